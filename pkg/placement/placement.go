package placement

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/novanats/novanats/pkg/db"
)

// BucketName is the logical name of placement's bucket.
const BucketName = "placement"

// DefaultMaxAttempts bounds the compare-and-swap rounds of one change.
// It is well above db.DefaultMaxAttempts because the last free slot of a
// popular node is exactly where schedulers collide, and a lost round costs
// only a re-read.
const DefaultMaxAttempts = 200

// Bucket is placement's bucket. Whoever opens the DB for the services
// (db.Open's Config.Buckets) includes it next to store.Buckets(); Open
// does that on its own for a process that needs only placement.
func Bucket() db.BucketSpec {
	return db.BucketSpec{Name: BucketName, Description: "placement: inventory and allocations per compute node", History: db.DefaultHistory}
}

// Config says how to reach placement's bucket.
type Config struct {
	// Prefix, Replicas and FollowerReads are passed to db.Open; Prefix
	// must be the store's so both live in the same cell.
	Prefix        string
	Replicas      int
	FollowerReads bool
	// MaxAttempts bounds the compare-and-swap rounds of one change; 0
	// means DefaultMaxAttempts.
	MaxAttempts int
	// Logger for warnings (a node pushed over capacity); nil is
	// slog.Default().
	Logger *slog.Logger
}

// Placement is the inventory and allocations of every compute node. It is
// safe for concurrent use, and any number of processes may use the same
// bucket at once: every change is a compare-and-swap on one node's record.
type Placement struct {
	t   *db.Table[Provider]
	log *slog.Logger
}

// Open creates or binds placement's bucket and returns a Placement on it.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Placement, error) {
	d, err := db.Open(ctx, js, db.Config{Prefix: cfg.Prefix, Replicas: cfg.Replicas, FollowerReads: cfg.FollowerReads, Buckets: []db.BucketSpec{Bucket()}})
	if err != nil {
		return nil, err
	}
	return New(d, cfg)
}

// New returns a Placement on a DB opened with Bucket() among its buckets.
// cfg's Prefix, Replicas and FollowerReads are the DB's business and are
// ignored here.
func New(d *db.DB, cfg Config) (*Placement, error) {
	attempts := cfg.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	t, err := db.NewTable(d, db.TableConfig[Provider]{
		Bucket: BucketName,
		Codec:  db.MsgpackCodec[Provider](),
		// No index of consumers: a record whose index entries change is
		// written as an atomic batch, and under the contention of many
		// schedulers claiming on one node batches made claims a hundred
		// times slower than the single compare-and-swap publish they are
		// now. Finding a consumer's allocations scans the records
		// instead, which only clean-up does.
		MaxAttempts: attempts,
	})
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Placement{t: t, log: log.With("component", "placement")}, nil
}

// Usage returns the node's record: inventory, allocations and generation.
func (p *Placement) Usage(ctx context.Context, node Node) (Provider, error) {
	if err := node.validate(); err != nil {
		return Provider{}, err
	}
	rec, rev, err := p.t.Get(ctx, node.key())
	if err != nil {
		return Provider{}, p.notFound(node, err)
	}
	rec.Generation = rev
	return rec, nil
}

// List returns every node's record, sorted by host and node name. A
// record that does not decode is left out and reported in the error (which
// matches db.ErrCorrupt) next to the records that did.
func (p *Placement) List(ctx context.Context) ([]Provider, error) {
	entries, err := p.t.List(ctx)
	out := make([]Provider, len(entries))
	for i, e := range entries {
		out[i] = e.Value
		out[i].Generation = e.Revision
	}
	if err != nil {
		err = fmt.Errorf("placement: list providers: %w", err)
	}
	return out, err
}

// Allocations returns what consumer holds, by node. It reads every
// node's record (one scan): it is for clean-up and tools, not for a hot
// path.
func (p *Placement) Allocations(ctx context.Context, consumer string) (map[Node]Resources, error) {
	provs, err := p.List(ctx)
	if err != nil && !errors.Is(err, db.ErrCorrupt) {
		return nil, fmt.Errorf("placement: allocations of %s: %w", consumer, err)
	}
	out := map[Node]Resources{}
	for _, pr := range provs {
		if a, ok := pr.Allocations[consumer]; ok {
			out[pr.Node] = a
		}
	}
	// A corrupt record may hide an allocation of consumer: say so.
	return out, err
}

// mutate runs fn on node's record with compare-and-swap retries. fn
// returning errUnchanged ends it without a write and without an error.
func (p *Placement) mutate(ctx context.Context, node Node, fn func(*Provider) error) error {
	_, err := p.t.Mutate(ctx, node.key(), func(cur Provider) (Provider, error) {
		if cur.Allocations == nil {
			cur.Allocations = map[string]Resources{}
		}
		return cur, fn(&cur)
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return p.notFound(node, err)
}

// notFound turns db.ErrNotFound into the typed error callers test for.
func (p *Placement) notFound(node Node, err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return &ResourceProviderNotFound{Host: node.Host, Nodename: node.Nodename}
	}
	return err
}
