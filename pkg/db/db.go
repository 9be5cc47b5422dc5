package db

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultHistory is how many values a key keeps when a BucketSpec says 0:
// enough to see the last few transitions of a record while debugging, small
// enough that a busy record does not grow the stream.
const DefaultHistory = 5

// BucketSpec declares one bucket. Conductor opens the DB with the whole list
// at start, so every service finds its buckets in place.
type BucketSpec struct {
	// Name is the logical name ("instances"); the NATS bucket is
	// "<Prefix>_<Name>" (or just Name without a prefix). [A-Za-z0-9_-]+.
	Name        string
	Description string
	// History is the number of values kept per key (1..64); 0 means
	// DefaultHistory.
	History int
}

// Config says which buckets to create or bind and how.
type Config struct {
	// Prefix separates cells sharing one NATS account ("cell1"). It may
	// contain only [A-Za-z0-9-], so the first '_' of a bucket name always
	// ends the prefix and no two (prefix, name) pairs collide.
	Prefix string
	// Replicas for buckets created by Open: 1 for a dev box, 3 for a
	// cluster. 0 means 1. Existing buckets keep what they have: changing the
	// replica count of live data is an operator's decision, not a side effect
	// of a service restart.
	Replicas int
	Buckets  []BucketSpec
	// FollowerReads lets Get be answered by any replica (JetStream direct
	// get), spreading read load at the price of read-your-writes: a
	// follower may trail an acknowledged write by a moment. Off by default,
	// reads go through the stream leader. Writes are compare-and-swap
	// either way, so a stale read can cost a Mutate retry, never a lost
	// update.
	FollowerReads bool
}

// DefaultBuckets is the list conductor creates for nova's records. The
// package itself does not depend on it; tables name their bucket.
func DefaultBuckets() []BucketSpec {
	return []BucketSpec{
		{Name: "instances", Description: "nova instances by uuid", History: DefaultHistory},
		{Name: "migrations", Description: "nova migrations by id", History: DefaultHistory},
		{Name: "compute_nodes", Description: "nova compute nodes by uuid", History: DefaultHistory},
		{Name: "services", Description: "nova services by host and binary", History: DefaultHistory},
		{Name: "instance_actions", Description: "nova instance actions by instance uuid and request id", History: DefaultHistory},
	}
}

var (
	prefixRe = regexp.MustCompile(`^[A-Za-z0-9-]*$`)
	nameRe   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// DB is a set of opened buckets. It is safe for concurrent use.
type DB struct {
	js      jetstream.JetStream
	prefix  string
	buckets map[string]*bucket
}

// Open creates the configured buckets that do not exist yet (file storage,
// the spec's history, Config.Replicas) and binds those that do. It also turns
// on atomic batch publish on each bucket's stream, which the index writes
// rely on; a server that cannot (older than nats-server 2.12) makes Open fail
// rather than leave indexes silently unprotected.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*DB, error) {
	if !prefixRe.MatchString(cfg.Prefix) {
		return nil, fmt.Errorf("db: prefix %q: only [A-Za-z0-9-] allowed", cfg.Prefix)
	}
	replicas := cfg.Replicas
	if replicas == 0 {
		replicas = 1
	}
	d := &DB{js: js, prefix: cfg.Prefix, buckets: make(map[string]*bucket, len(cfg.Buckets))}
	for _, spec := range cfg.Buckets {
		if !nameRe.MatchString(spec.Name) {
			return nil, fmt.Errorf("db: bucket name %q: only [A-Za-z0-9_-] allowed", spec.Name)
		}
		if _, dup := d.buckets[spec.Name]; dup {
			return nil, fmt.Errorf("db: bucket %q declared twice", spec.Name)
		}
		b, err := openBucket(ctx, js, d.BucketName(spec.Name), spec, replicas, cfg.FollowerReads)
		if err != nil {
			return nil, err
		}
		d.buckets[spec.Name] = b
	}
	return d, nil
}

// BucketName is the NATS bucket name of a logical bucket.
func (d *DB) BucketName(name string) string {
	if d.prefix == "" {
		return name
	}
	return d.prefix + "_" + name
}

// KeyValue gives the raw bucket, for tools and tests. Writing to it by hand
// bypasses the index maintenance of Table.
func (d *DB) KeyValue(name string) (jetstream.KeyValue, error) {
	b, err := d.bucket(name)
	if err != nil {
		return nil, err
	}
	return b.kv, nil
}

// PurgeDeletes removes the delete markers older than olderThan from every
// bucket, with the history behind them. Deleted records and index entries
// leave one marker each; run this from a periodic task to keep streams from
// collecting them forever. olderThan 0 means nats.go's default (30 minutes);
// a negative value removes all markers.
func (d *DB) PurgeDeletes(ctx context.Context, olderThan time.Duration) error {
	var errs []error
	for _, b := range d.buckets {
		if err := b.kv.PurgeDeletes(ctx, jetstream.DeleteMarkersOlderThan(olderThan)); err != nil {
			errs = append(errs, fmt.Errorf("db: purge deletes in %s: %w", b.name, err))
		}
	}
	return errors.Join(errs...)
}

func (d *DB) bucket(name string) (*bucket, error) {
	b, ok := d.buckets[name]
	if !ok {
		return nil, fmt.Errorf("db: bucket %q was not declared in Config.Buckets", name)
	}
	return b, nil
}

func openBucket(ctx context.Context, js jetstream.JetStream, full string, spec BucketSpec, replicas int, followerReads bool) (*bucket, error) {
	history := spec.History
	if history == 0 {
		history = DefaultHistory
	}
	kv, err := js.KeyValue(ctx, full)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      full,
			Description: spec.Description,
			History:     uint8(min(history, jetstream.KeyValueMaxHistory)),
			Storage:     jetstream.FileStorage,
			Replicas:    replicas,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			// Another service created it between our look-up and create.
			kv, err = js.KeyValue(ctx, full)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("db: open bucket %s: %w", full, err)
	}
	stream, err := ensureAtomicPublish(ctx, js, full)
	if err != nil {
		return nil, err
	}
	return newBucket(js, kv, stream, full, followerReads), nil
}

// ensureAtomicPublish switches allow_atomic on for the bucket's stream. The
// KV API of nats.go has no such setting, so it is done on the stream after
// creation, on every Open: if an operator recreated the bucket with the nats
// CLI the flag comes back.
func ensureAtomicPublish(ctx context.Context, js jetstream.JetStream, full string) (jetstream.Stream, error) {
	name := "KV_" + full
	stream, err := js.Stream(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("db: stream of bucket %s: %w", full, err)
	}
	cfg := stream.CachedInfo().Config
	if cfg.AllowAtomicPublish {
		return stream, nil
	}
	cfg.AllowAtomicPublish = true
	stream, err = js.UpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: enable atomic publish on %s: %w", name, err)
	}
	if !stream.CachedInfo().Config.AllowAtomicPublish {
		return nil, fmt.Errorf("db: stream %s did not keep allow_atomic: the server is older than nats-server 2.12", name)
	}
	return stream, nil
}
