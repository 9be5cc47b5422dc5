// Package store keeps nova's records (instances, migrations, compute nodes,
// services, instance actions and their events) as versioned objects in
// pkg/db tables. Only the conductor and the scheduler use it; computes
// reach it through conductor RPC (services/conductor), never directly.
//
// # Records
//
// A record is the object's primitive (pkg/objects wire form) at the
// writer's version, without nova_object.changes, encoded with msgpack. A
// newer service reads an older record (fields added since take their
// defaults); a record written by a newer minor is refused as corrupt by an
// older reader, which is why conductors are upgraded before anything that
// reads the store directly.
//
// # Save: what was changed, onto what is stored
//
// Save writes only the fields the caller changed (ObjWhatChanged) onto the
// record as it is stored now, as nova's Instance.save turns
// obj_what_changed() into an UPDATE of those columns. It runs as one
// compare-and-swap (db.Table.Mutate): read the record, check, merge, write
// if nobody wrote in between, else start over. Retrying is right here
// because a save means "set these fields to these values", which is as true
// on the newer record as on the older one: changes to disjoint fields by
// two writers both land, and two writers of the same field end with the
// later one, exactly as two nova UPDATEs would. Checks are re-evaluated on
// every attempt, against the record that will actually be replaced: a save
// with expected task states therefore either writes against a record whose
// task_state was one of them, or returns *exception.UnexpectedTaskState and
// writes nothing. Two services racing to move an instance from one task
// state to the next thus get exactly one winner.
//
// Update is the read-modify-write for changes that depend on the current
// value (counters, appending to metadata): fn runs on the stored record and
// runs again on conflict, so no update is lost.
//
// After a successful Save or Update the caller's object is the stored
// record, with no changes, as nova refreshes the object from the row.
//
// # Malformed objects
//
// Every write encodes the whole new record and decodes it again before it is
// sent, so a missing required field, a uuid that is not one, or a key field
// that is not set is refused with an error and nothing is written. Create
// refuses an object that already has an id (nova: "already created").
//
// # Ids and timestamps
//
// Integer ids, which nova's database assigns, come from a counter per table
// in the "sequences" bucket. created_at is set by Create, updated_at by
// every Save and Update that changes something, with the store's clock.
package store
