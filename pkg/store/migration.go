package store

import (
	"context"
	"slices"
	"strconv"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
)

// Migrations stores Migration records by id, indexed by uuid and by the
// instance and hosts of migrations in progress.
type Migrations struct {
	t *table[objects.Migration, *objects.Migration]
}

// Index names of the migrations table.
const (
	IndexMigrationUUID               = "uuid"
	IndexMigrationInProgressInstance = "in_progress_instance"
	IndexMigrationInProgressHost     = "in_progress_host"
)

// Nova has two notions of "in progress", and both are kept.
//
// For a host (nova's migration_get_in_progress_by_host_and_node, what a
// compute reconciles at start-up and what the resource tracker counts) a
// migration is in progress unless its status is final. A null status is not
// in progress: SQL's NOT IN is not true for NULL.
//
// For an instance (nova's migration_get_in_progress_by_instance, what
// live_migration_abort and force_complete look for) only the statuses of a
// running move count.
var (
	finalStatuses = []objects.MigrationStatus{
		"confirmed", "reverted", objects.MigrationError, objects.MigrationFailed,
		objects.MigrationCompleted, objects.MigrationCancelled, "done",
	}
	runningStatuses = []objects.MigrationStatus{
		objects.MigrationQueued, objects.MigrationPreparing, objects.MigrationRunning,
		objects.MigrationPostCopy, "post-migrating",
	}
)

// InProgressOnHost says whether m counts as in progress for its hosts.
func InProgressOnHost(m *objects.Migration) bool {
	st, ok := m.Status.Lookup()
	return ok && !slices.Contains(finalStatuses, st)
}

// InProgressForInstance says whether m is a move of its instance that is
// running now.
func InProgressForInstance(m *objects.Migration) bool {
	st, ok := m.Status.Lookup()
	return ok && slices.Contains(runningStatuses, st)
}

func newMigrations(s *Store, attempts int) (*Migrations, error) {
	t, err := newTable(s, tableSpec[objects.Migration, *objects.Migration]{
		bucket: "migrations",
		keyOf: func(m *objects.Migration) ([]string, error) {
			if !m.ID.IsSet() {
				return nil, errNoID
			}
			return []string{strconv.Itoa(m.ID.Get())}, nil
		},
		notFound:   func(p []string) error { return &exception.MigrationNotFound{MigrationID: p[0]} },
		persistent: func(m *objects.Migration) *objects.Persistent { return &m.Persistent },
		id:         func(m *objects.Migration) *objects.Field[int] { return &m.ID },
		immutable:  []string{"id", "uuid"},
		indexes: []db.Index[*objects.Migration]{
			{Name: IndexMigrationUUID, Values: func(m *objects.Migration) []string { return []string{m.UUID.Get()} }},
			{Name: IndexMigrationInProgressInstance, Values: func(m *objects.Migration) []string {
				if !InProgressForInstance(m) {
					return nil
				}
				return someString(&m.InstanceUUID)
			}},
			{Name: IndexMigrationInProgressHost, Values: func(m *objects.Migration) []string {
				if !InProgressOnHost(m) {
					return nil
				}
				return append(someString(&m.SourceCompute), someString(&m.DestCompute)...)
			}},
		},
	}, attempts)
	if err != nil {
		return nil, err
	}
	return &Migrations{t: t}, nil
}

// Create stores a new migration: it must have a uuid and no id; on success
// m has its id and created_at.
func (s *Migrations) Create(ctx context.Context, m *objects.Migration) error {
	return s.t.create(ctx, m)
}

// Get returns the migration with that id, or *exception.MigrationNotFound.
func (s *Migrations) Get(ctx context.Context, id int) (*objects.Migration, error) {
	return s.t.get(ctx, strconv.Itoa(id))
}

// GetByUUID returns the migration with that uuid, or
// *exception.MigrationNotFound.
func (s *Migrations) GetByUUID(ctx context.Context, uuid string) (*objects.Migration, error) {
	ms, err := s.t.byIndex(ctx, IndexMigrationUUID, uuid)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, &exception.MigrationNotFound{MigrationID: uuid}
	}
	return ms[0], nil
}

// Save writes m's changed fields onto the stored migration.
func (s *Migrations) Save(ctx context.Context, m *objects.Migration) error {
	return s.t.save(ctx, m, saveHooks[*objects.Migration]{})
}

// Update applies fn to the stored migration, retried on conflict.
func (s *Migrations) Update(ctx context.Context, id int, fn func(*objects.Migration) error) (*objects.Migration, error) {
	return s.t.update(ctx, []string{strconv.Itoa(id)}, nil, fn)
}

// Refresh replaces m with the stored migration.
func (s *Migrations) Refresh(ctx context.Context, m *objects.Migration) error {
	return s.t.refresh(ctx, m)
}

// ListInProgressByInstance returns the running moves of an instance
// (nova's MigrationList.get_in_progress_by_instance).
func (s *Migrations) ListInProgressByInstance(ctx context.Context, instanceUUID string) ([]*objects.Migration, error) {
	return s.t.byIndex(ctx, IndexMigrationInProgressInstance, instanceUUID)
}

// ListInProgressByHost returns the unfinished migrations from or to host
// (nova's MigrationList.get_in_progress_by_host_and_node, for every node).
func (s *Migrations) ListInProgressByHost(ctx context.Context, host string) ([]*objects.Migration, error) {
	return s.t.byIndex(ctx, IndexMigrationInProgressHost, host)
}

// List returns every migration.
func (s *Migrations) List(ctx context.Context) ([]*objects.Migration, error) {
	return s.t.list(ctx)
}
