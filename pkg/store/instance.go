package store

import (
	"context"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
)

// Instances stores Instance records by uuid, indexed by host and by
// task_state.
type Instances struct {
	t *table[objects.Instance, *objects.Instance]
}

// Index names of the instances table.
const (
	IndexInstanceHost      = "host"
	IndexInstanceTaskState = "task_state"
)

func newInstances(s *Store, attempts int) (*Instances, error) {
	t, err := newTable(s, tableSpec[objects.Instance, *objects.Instance]{
		bucket: "instances",
		keyOf: func(i *objects.Instance) ([]string, error) {
			if !i.UUID.IsSet() || i.UUID.Get() == "" {
				return nil, errString("uuid is not set")
			}
			return []string{i.UUID.Get()}, nil
		},
		notFound:   func(p []string) error { return &exception.InstanceNotFound{InstanceID: p[0]} },
		persistent: func(i *objects.Instance) *objects.Persistent { return &i.Persistent },
		id:         func(i *objects.Instance) *objects.Field[int] { return &i.ID },
		immutable:  []string{"id", "uuid"},
		indexes: []db.Index[*objects.Instance]{
			{Name: IndexInstanceHost, Values: func(i *objects.Instance) []string { return someString(&i.Host) }},
			{Name: IndexInstanceTaskState, Values: func(i *objects.Instance) []string {
				if ts, ok := i.TaskState.Lookup(); ok {
					return []string{string(ts)}
				}
				return nil
			}},
		},
	}, attempts)
	if err != nil {
		return nil, err
	}
	return &Instances{t: t}, nil
}

// Create stores a new instance (nova's Instance.create): it must have a
// uuid and no id; on success inst has its id and created_at.
func (s *Instances) Create(ctx context.Context, inst *objects.Instance) error {
	return s.t.create(ctx, inst)
}

// Get returns the instance, or *exception.InstanceNotFound.
func (s *Instances) Get(ctx context.Context, uuid string) (*objects.Instance, error) {
	return s.t.get(ctx, uuid)
}

// Save writes inst's changed fields onto the stored instance, as nova's
// Instance.save(expected_task_state=...). When expected task states are
// given (exception.NoTaskState for null), the stored task_state must be one
// of them, checked on every attempt against the record being replaced;
// otherwise the result is *exception.UnexpectedTaskState (or
// *exception.UnexpectedDeletingTaskState) and nothing is written. On
// success inst is the stored instance with no changes.
func (s *Instances) Save(ctx context.Context, inst *objects.Instance, expectedTaskStates ...objects.TaskState) error {
	return s.t.save(ctx, inst, saveHooks[*objects.Instance]{check: expectTaskState(expectedTaskStates)})
}

// Update applies fn to the stored instance and writes the result, running
// fn again on a fresh copy if another writer got in first: for changes
// that depend on the current value. Expected task states work as in Save.
func (s *Instances) Update(ctx context.Context, uuid string, fn func(*objects.Instance) error, expectedTaskStates ...objects.TaskState) (*objects.Instance, error) {
	return s.t.update(ctx, []string{uuid}, expectTaskState(expectedTaskStates), fn)
}

// Refresh replaces inst with the stored instance (nova's refresh).
func (s *Instances) Refresh(ctx context.Context, inst *objects.Instance) error {
	return s.t.refresh(ctx, inst)
}

// Destroy deletes the instance record; inst is left marked deleted.
func (s *Instances) Destroy(ctx context.Context, inst *objects.Instance) error {
	return s.t.destroy(ctx, inst)
}

// ListByHost returns the instances whose host is host, sorted by uuid
// (nova's InstanceList.get_by_host).
func (s *Instances) ListByHost(ctx context.Context, host string) ([]*objects.Instance, error) {
	return s.t.byIndex(ctx, IndexInstanceHost, host)
}

// ListByTaskState returns the instances in task state ts, sorted by uuid:
// what a restarting service looks for to finish or undo interrupted work.
func (s *Instances) ListByTaskState(ctx context.Context, ts objects.TaskState) ([]*objects.Instance, error) {
	return s.t.byIndex(ctx, IndexInstanceTaskState, string(ts))
}

// List returns every instance, sorted by uuid.
func (s *Instances) List(ctx context.Context) ([]*objects.Instance, error) {
	return s.t.list(ctx)
}

func expectTaskState(expected []objects.TaskState) func(*objects.Instance) error {
	if len(expected) == 0 {
		return nil
	}
	return func(cur *objects.Instance) error {
		actual, _ := cur.TaskState.Lookup()
		return exception.CheckTaskState(cur.UUID.Get(), actual, expected)
	}
}

// someString is the index value of a nullable string: none when null,
// unset or empty.
func someString(n *objects.Nullable[string]) []string {
	if v, ok := n.Lookup(); ok && v != "" {
		return []string{v}
	}
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }
