package store

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/servicegroup"
)

// Config says where the store lives and whose clock it reads.
type Config struct {
	// Prefix, Replicas and FollowerReads are passed to db.Open.
	Prefix        string
	Replicas      int
	FollowerReads bool
	// Clock stamps created_at, updated_at and last_seen_up; nil is the
	// wall clock. Tests share a servicegroup.FakeClock with the code that
	// judges liveness.
	Clock servicegroup.Clock
	// MaxAttempts bounds the compare-and-swap rounds of Save and Update on
	// one record; 0 means DefaultMaxAttempts.
	MaxAttempts int
}

// DefaultMaxAttempts is higher than db.DefaultMaxAttempts: an instance can
// be saved by its compute, the conductor and the scheduler at once, and a
// save that merges changes loses nothing by trying again.
const DefaultMaxAttempts = 200

// Buckets is the bucket list the store needs: db.DefaultBuckets plus the
// id counters.
func Buckets() []db.BucketSpec {
	return append(db.DefaultBuckets(), db.BucketSpec{Name: bucketSequences, Description: "next integer id per table", History: 1})
}

// Store holds the typed tables. It is safe for concurrent use.
type Store struct {
	Instances    *Instances
	Migrations   *Migrations
	ComputeNodes *ComputeNodes
	Services     *Services
	Actions      *InstanceActions

	db    *db.DB
	seq   *sequences
	clock servicegroup.Clock
}

// Open creates or binds the store's buckets (Buckets) and its tables.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Store, error) {
	d, err := db.Open(ctx, js, db.Config{Prefix: cfg.Prefix, Replicas: cfg.Replicas, FollowerReads: cfg.FollowerReads, Buckets: Buckets()})
	if err != nil {
		return nil, err
	}
	return New(d, cfg)
}

// New builds the store on a DB opened with (at least) Buckets().
func New(d *db.DB, cfg Config) (*Store, error) {
	s := &Store{db: d, clock: cfg.Clock}
	if s.clock == nil {
		s.clock = servicegroup.RealClock()
	}
	attempts := cfg.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	var err error
	if s.seq, err = newSequences(d); err != nil {
		return nil, err
	}
	if s.Instances, err = newInstances(s, attempts); err != nil {
		return nil, err
	}
	if s.Migrations, err = newMigrations(s, attempts); err != nil {
		return nil, err
	}
	if s.ComputeNodes, err = newComputeNodes(s, attempts); err != nil {
		return nil, err
	}
	if s.Services, err = newServices(s, attempts); err != nil {
		return nil, err
	}
	if s.Actions, err = newInstanceActions(s, attempts); err != nil {
		return nil, err
	}
	return s, nil
}

// DB is the underlying database, for tools (PurgeDeletes, Reindex).
func (s *Store) DB() *db.DB { return s.db }

// Now is the store's clock reading in UTC, as nova's timeutils.utcnow().
func (s *Store) Now() time.Time { return s.clock.Now().UTC() }

func wrapDB(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: %s: %w", what, err)
}
