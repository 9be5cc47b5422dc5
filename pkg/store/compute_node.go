package store

import (
	"context"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
)

// ComputeNodes stores ComputeNode records by uuid, indexed by host.
type ComputeNodes struct {
	t *table[objects.ComputeNode, *objects.ComputeNode]
}

// IndexComputeNodeHost is the host index of the compute_nodes table.
const IndexComputeNodeHost = "host"

func newComputeNodes(s *Store, attempts int) (*ComputeNodes, error) {
	t, err := newTable(s, tableSpec[objects.ComputeNode, *objects.ComputeNode]{
		bucket: "compute_nodes",
		keyOf: func(n *objects.ComputeNode) ([]string, error) {
			if !n.UUID.IsSet() || n.UUID.Get() == "" {
				return nil, errString("uuid is not set")
			}
			return []string{n.UUID.Get()}, nil
		},
		notFound:   func(p []string) error { return &exception.ComputeNodeNotFound{ComputeID: p[0]} },
		persistent: func(n *objects.ComputeNode) *objects.Persistent { return &n.Persistent },
		id:         func(n *objects.ComputeNode) *objects.Field[int] { return &n.ID },
		immutable:  []string{"id", "uuid"},
		indexes: []db.Index[*objects.ComputeNode]{
			{Name: IndexComputeNodeHost, Values: func(n *objects.ComputeNode) []string { return someString(&n.Host) }},
		},
	}, attempts)
	if err != nil {
		return nil, err
	}
	return &ComputeNodes{t: t}, nil
}

// Create stores a new compute node: it must have a uuid and no id.
func (s *ComputeNodes) Create(ctx context.Context, n *objects.ComputeNode) error {
	return s.t.create(ctx, n)
}

// Get returns the node with that uuid, or *exception.ComputeNodeNotFound.
func (s *ComputeNodes) Get(ctx context.Context, uuid string) (*objects.ComputeNode, error) {
	return s.t.get(ctx, uuid)
}

// ListByHost returns the nodes of host, sorted by uuid (nova's
// ComputeNodeList.get_all_by_host, which raises when there are none; this
// returns an empty list and leaves the choice to the caller).
func (s *ComputeNodes) ListByHost(ctx context.Context, host string) ([]*objects.ComputeNode, error) {
	return s.t.byIndex(ctx, IndexComputeNodeHost, host)
}

// GetByHost returns the node of a host with a single node (every driver
// but ironic), or *exception.ComputeHostNotFound.
func (s *ComputeNodes) GetByHost(ctx context.Context, host string) (*objects.ComputeNode, error) {
	ns, err := s.ListByHost(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(ns) == 0 {
		return nil, &exception.ComputeHostNotFound{Host: host}
	}
	return ns[0], nil
}

// GetByHostAndNodename returns the node of host named nodename (its
// hypervisor_hostname), or *exception.ComputeNodeNotFound.
func (s *ComputeNodes) GetByHostAndNodename(ctx context.Context, host, nodename string) (*objects.ComputeNode, error) {
	ns, err := s.ListByHost(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		if v, _ := n.HypervisorHostname.Lookup(); v == nodename {
			return n, nil
		}
	}
	return nil, &exception.ComputeNodeNotFound{ComputeID: host + "/" + nodename}
}

// Save writes n's changed fields onto the stored node.
func (s *ComputeNodes) Save(ctx context.Context, n *objects.ComputeNode) error {
	return s.t.save(ctx, n, saveHooks[*objects.ComputeNode]{})
}

// Update applies fn to the stored node, retried on conflict.
func (s *ComputeNodes) Update(ctx context.Context, uuid string, fn func(*objects.ComputeNode) error) (*objects.ComputeNode, error) {
	return s.t.update(ctx, []string{uuid}, nil, fn)
}

// Refresh replaces n with the stored node.
func (s *ComputeNodes) Refresh(ctx context.Context, n *objects.ComputeNode) error {
	return s.t.refresh(ctx, n)
}

// Destroy deletes the node's record.
func (s *ComputeNodes) Destroy(ctx context.Context, n *objects.ComputeNode) error {
	return s.t.destroy(ctx, n)
}

// List returns every compute node, sorted by uuid.
func (s *ComputeNodes) List(ctx context.Context) ([]*objects.ComputeNode, error) {
	return s.t.list(ctx)
}
