package test

import (
	"slices"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
)

// live_migration_abort in each phase, as nova's: a queued migration is
// cancelled without starting (the destination never hears of it), a
// running one is aborted by the driver and rolled back, cancelled; a
// finished one cannot be aborted, which the abort's event records as an
// error since a cast has nobody to answer.
func TestComputeLMAbort(t *testing.T) {
	c := startCLM(t, []string{"cmp1", "cmp2"}, clmMaxConcurrent(1), clmNoTimeout)
	first := c.buildActive(t, "cmp1")
	second := c.buildActive(t, "cmp1")
	// The first never converges: it holds the only slot until aborted.
	if err := c.drivers["cmp1"].SetDirtyRate(first.UUID.Get(), 4096); err != nil {
		t.Fatal(err)
	}
	lm1 := c.prepare(t, first, "cmp1", "cmp2")
	lm2 := c.prepare(t, second, "cmp1", "cmp2")
	c.start(t, lm1)
	c.awaitStatus(t, lm1, objects.MigrationRunning)
	c.start(t, lm2)
	c.awaitStatus(t, lm2, objects.MigrationQueued)

	// Queued: cancelled where it stands.
	actx := c.newAction(t, second.UUID.Get(), "live-migration-abort")
	if err := c.api.LiveMigrationAbort(actx, lm2.inst, lm2.migration.ID.Get()); err != nil {
		t.Fatal(err)
	}
	c.awaitStatus(t, lm2, objects.MigrationCancelled)
	if h := c.watch.history(lm2.migration.UUID.Get()); slices.Contains(h, objects.MigrationPreparing) {
		t.Errorf("queued migration started before it was cancelled: %v", h)
	}
	if e := c.awaitEvent(t, actx, second.UUID.Get(), compute.EventLiveMigrationAbort); e.Result.Get() != "Success" {
		t.Errorf("abort of a queued migration: event result %q, want Success", e.Result.Get())
	}
	c.awaitEvent(t, lm2.ctx, second.UUID.Get(), compute.EventLiveMigration)
	i2 := c.instance(t, lm2)
	if i2.Host.Get() != "cmp1" || i2.TaskState.IsSet() && !i2.TaskState.IsNull() {
		t.Errorf("cancelled queued migration left the instance on %q in task %q", i2.Host.Get(), i2.TaskState.Get())
	}
	if got := c.allocations(t, second.UUID.Get()); got != "cmp1" {
		t.Errorf("instance of the cancelled queued migration allocated on %q, want cmp1", got)
	}
	if got := c.allocations(t, lm2.migration.UUID.Get()); got != "" {
		t.Errorf("migration consumer of the cancelled queued migration holds %q", got)
	}
	if _, err := c.drivers["cmp2"].Guest(second.UUID.Get()); err == nil {
		t.Errorf("destination prepared a guest for a migration that never started")
	}

	// Running: the driver aborts, the migration rolls back, cancelled.
	if err := c.api.LiveMigrationAbort(c.newAction(t, first.UUID.Get(), "live-migration-abort"), lm1.inst, lm1.migration.ID.Get()); err != nil {
		t.Fatal(err)
	}
	c.assertRolledBack(t, lm1, objects.MigrationCancelled)

	// Finished: refused, on the event.
	fctx := c.newAction(t, first.UUID.Get(), "live-migration-abort")
	if err := c.api.LiveMigrationAbort(fctx, lm1.inst, lm1.migration.ID.Get()); err != nil {
		t.Fatal(err)
	}
	e := c.awaitEvent(t, fctx, first.UUID.Get(), compute.EventLiveMigrationAbort)
	if e.Result.Get() != "Error" {
		t.Errorf("abort of a finished migration: event result %q, want Error", e.Result.Get())
	}
	if st := c.migration(t, lm1).Status.Get(); st != objects.MigrationCancelled {
		t.Errorf("a refused abort changed the migration to %q", st)
	}
	if got := c.finished(t, "cmp1"); got["cancelled"] != 2 || got["completed"] != 0 {
		t.Errorf("finished counters %v, want 2 cancelled", got)
	}
}
