// Package db is novanats' persistence layer: typed tables over NATS
// JetStream key-value buckets. It knows nothing of nova's objects; a Table[T]
// is given a Codec[T] for its records and the Index[T] it needs, so the
// objects package plugs in with a few lines per type.
//
// # Buckets
//
// Open creates (or binds) every bucket declared in Config.Buckets: file
// storage, History values per key (default 5), Config.Replicas replicas, named
// "<prefix>_<name>" so that several cells can share an account. Each bucket
// holds one table.
//
// # Keys
//
// A record key is a Key: one or more tokens, each the EscapeToken form of an
// arbitrary string. Bytes [A-Za-z0-9-] stand for themselves; any other byte
// is written "_XX" (upper-case hex), and the empty string is "_". So host
// "compute-1.example.com" is the single token "compute-1_2Eexample_2Ecom",
// and no space, '*', '>' or stray '.' can reach a NATS subject. The encoding
// is one-to-one and every Key handed to a table is checked to be canonical.
//
// Inside a table's bucket:
//
//	rec.<key>                  the record (codec bytes)
//	idx.<index>.<value>.<key>  index entry, empty body, one per value
//
// # Revisions and compare-and-swap
//
// A revision is the stream sequence of the record's last write. Create,
// Update, Delete and Mutate publish with Nats-Expected-Last-Subject-Sequence,
// so a write based on a stale read fails with a *ConflictError (ErrConflict)
// and writes nothing.
//
// # Index consistency: atomic batches
//
// A record and its index entries change together. JetStream KV has no
// multi-key transaction, but nats-server 2.12 added atomic batch publish to
// streams (stream option allow_atomic; headers Nats-Batch-Id,
// Nats-Batch-Sequence, Nats-Batch-Commit): the server stages the messages,
// checks every expectation at commit time and stores all or none, and
// single-key reads (what Get uses) never see a batch half applied. nats-server v2.15 has
// it; nats.go v1.55 only has the config flag, so batch.go speaks the few
// lines of protocol itself and Open turns allow_atomic on for every bucket.
//
// A write whose index entries change is therefore one batch: delete markers
// for the entries the old value had and the new one lacks, empty values for
// new entries, and the record last with its revision check. If the check
// fails, none of it is stored. Writes that leave the index entries alone are a
// single plain publish. The price: on an R1 file-storage bucket the server
// stages every batch in a store of its own that it fsyncs (about 5ms a batch
// on a dev machine, against 0.1ms for a single publish); on replicated
// buckets it stages in memory and commits the batch as one raft entry. Index
// changes (an instance changing host, a migration finishing) are rare next to
// the other writes, so this was taken over hints that readers must repair.
//
// Reads (Get, and the revision checks of Update and Delete) go to the stream
// leader by default, so a service reads its own acknowledged writes on a
// replicated bucket; Config.FollowerReads trades that for direct gets served
// by any replica. List, ListPrefix, ByIndex and Watch read through a consumer,
// which may trail the leader by the replication delay.
//
// Queries (ByIndex) still treat index entries as hints to confirm: list the
// entries under idx.<index>.<value>, read each record, keep it only if its
// current value still yields the value, and delete entries that do not
// (conditionally on the entry's revision). With batches this never fires in
// normal operation; it protects against entries written by hand, by an older
// version, or left by a record deleted while corrupt. Reindex adds the
// entries of an index declared after its records were written.
package db
