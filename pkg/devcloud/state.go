package devcloud

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/store"
)

// StateConfig says where conductor and scheduler keep their state.
type StateConfig struct {
	// Prefix separates cells sharing one NATS ("" for none; letters,
	// digits and '-').
	Prefix string
	// Replicas of each bucket: 1 on a single server, 3 on a NATS cluster.
	Replicas int
}

// OpenState opens the store and placement in one DB, as every process
// running conductor or scheduler does: conductor's placement methods for
// computes need placement's bucket beside the store's.
func OpenState(ctx context.Context, nc *nats.Conn, cfg StateConfig) (*store.Store, *placement.Placement, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, nil, fmt.Errorf("devcloud: JetStream: %w", err)
	}
	replicas := cfg.Replicas
	if replicas == 0 {
		replicas = 1
	}
	d, err := db.Open(ctx, js, db.Config{Prefix: cfg.Prefix, Replicas: replicas, Buckets: append(store.Buckets(), placement.Bucket())})
	if err != nil {
		return nil, nil, fmt.Errorf("devcloud: open state buckets: %w", err)
	}
	st, err := store.New(d, store.Config{Prefix: cfg.Prefix, Replicas: replicas})
	if err != nil {
		return nil, nil, err
	}
	pl, err := placement.New(d, placement.Config{Prefix: cfg.Prefix, Replicas: replicas})
	if err != nil {
		return nil, nil, err
	}
	return st, pl, nil
}
