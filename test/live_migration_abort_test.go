package test

import (
	"slices"
	"sync"
	"testing"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
)

// Two migrations from one host that runs one at a time: the first never
// converges and runs, the second waits queued. A second request for the
// running instance, and one racing it, fail with UnexpectedTaskState and
// leave nothing behind. The operator's abort of the queued migration
// cancels it before it starts, and the abort of the running one stops its
// copy: both end cancelled with their instances where they were.
func TestLiveMigrationAbortQueuedAndRunning(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	// No completion timeout: the migration that does not converge runs
	// until it is aborted.
	c.addHost(t, "cmp1", lmHost{migration: func(m *virt.MigrationConfig) { m.CompletionTimeout = 0 }})
	c.addHost(t, "cmp2", lmHost{})
	log := c.recordMigrations(t)
	running, queued := c.activeOn(t, "cmp1"), c.activeOn(t, "cmp1")
	c.nonConverging(t, "cmp1", running)

	// Two requests for one instance at once: exactly one gets it.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { _, _, errs[i] = c.migrateServer(t, running, "cmp2", false) })
	}
	wg.Wait()
	won := slices.IndexFunc(errs, func(err error) bool { return err == nil })
	if won < 0 {
		t.Fatalf("both requests failed: %v", errs)
	}
	ute := asError[*exception.UnexpectedTaskState](errs[1-won])
	if ute == nil || ute.Actual != objects.TaskMigrating {
		t.Fatalf("the losing request: %v, want UnexpectedTaskState (actual migrating)", errs[1-won])
	}
	mRunning := c.awaitMigrationStatus(t, running.UUID.Get(), objects.MigrationRunning)
	// Once it runs, another request still finds the instance busy.
	if _, _, err := c.migrateServer(t, running, "", false); asError[*exception.UnexpectedTaskState](err) == nil {
		t.Errorf("a request for a migrating instance: %v, want UnexpectedTaskState", err)
	}
	if n := len(c.migrationsOf(t, running.UUID.Get())); n != 1 {
		t.Errorf("%d migrations of the instance after three requests, want 1", n)
	}

	if _, m, err := c.migrateServer(t, queued, "cmp2", false); err != nil || m == nil {
		t.Fatalf("second migration: %v", err)
	}
	mQueued := c.awaitMigrationStatus(t, queued.UUID.Get(), objects.MigrationQueued)
	if st := c.computes["cmp1"].Manager().LiveMigrations(); st.Running != 1 || st.Queued != 1 {
		t.Errorf("cmp1 runs %d and queues %d migrations, want 1 and 1", st.Running, st.Queued)
	}

	abort := func(inst *objects.Instance, m *objects.Migration) {
		t.Helper()
		cur, err := c.store.Instances.Get(objCtx(t), inst.UUID.Get())
		if err != nil {
			t.Fatal(err)
		}
		ctx := c.newAction(t, inst.UUID.Get(), objects.ActionLiveMigrationAbort)
		if err := c.api.LiveMigrationAbort(ctx, cur, m.ID.Get()); err != nil {
			t.Fatal(err)
		}
		if ev := c.awaitEvent(t, ctx, inst.UUID.Get(), compute.EventLiveMigrationAbort); ev.Result.Get() != objects.EventResultSuccess || ev.Host.Get() != "cmp1" {
			t.Errorf("abort event %s", asJSONObj(t, ev))
		}
		done := c.awaitFinalMigration(t, inst.UUID.Get())
		if done.Status.Get() != objects.MigrationCancelled {
			t.Errorf("aborted migration: %s", asJSONObj(t, done))
		}
		c.expectStayed(t, inst, "cmp1", "cmp2", done)
	}
	abort(queued, mQueued)
	if got := log.statuses(mQueued.UUID.Get()); slices.Contains(got, objects.MigrationRunning) || slices.Contains(got, objects.MigrationPreparing) {
		t.Errorf("the queued migration went through %v before its abort", got)
	}
	abort(running, mRunning)
	want := []objects.MigrationStatus{objects.MigrationAccepted, objects.MigrationQueued, objects.MigrationPreparing, objects.MigrationRunning, objects.MigrationCancelled}
	if got := log.statuses(mRunning.UUID.Get()); !slices.Equal(got, want) {
		t.Errorf("the running migration went through %v, want %v", got, want)
	}
	c.expectHostsCount(t)
}
