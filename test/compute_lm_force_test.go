package test

import (
	"slices"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
)

// forceComplete migrates a guest that never converges (it dirties 4 GiB/s
// over a 1 GiB/s link, no completion timeout) and force-completes it once
// it runs, then waits for it to complete.
func forceComplete(t *testing.T, opts ...clmOption) (*clmCloud, *clmMigration) {
	t.Helper()
	c := startCLM(t, []string{"cmp1", "cmp2"}, append(opts, clmNoTimeout)...)
	inst := c.buildActive(t, "cmp1")
	if err := c.drivers["cmp1"].SetDirtyRate(inst.UUID.Get(), 4096); err != nil {
		t.Fatal(err)
	}
	lm := c.prepare(t, inst, "cmp1", "cmp2")
	c.start(t, lm)
	c.awaitStatus(t, lm, objects.MigrationRunning)
	fctx := c.newAction(t, inst.UUID.Get(), "live-migration-force-complete")
	if err := c.api.LiveMigrationForceComplete(fctx, lm.inst, lm.migration); err != nil {
		t.Fatal(err)
	}
	if e := c.awaitEvent(t, fctx, inst.UUID.Get(), compute.EventLiveMigrationForceComplete); e.Result.Get() != "Success" {
		t.Errorf("force-complete event result %q, want Success", e.Result.Get())
	}
	c.assertCompleted(t, lm)
	return c, lm
}

// With post-copy permitted, force-complete switches to post-copy: the
// migration shows running (post-copy), then completes.
func TestComputeLMForceCompletePostCopy(t *testing.T) {
	c, lm := forceComplete(t, clmPostCopy)
	want := []objects.MigrationStatus{objects.MigrationAccepted, objects.MigrationQueued, objects.MigrationPreparing,
		objects.MigrationRunning, objects.MigrationPostCopy, objects.MigrationCompleted}
	if got := c.watch.history(lm.migration.UUID.Get()); !slices.Equal(got, want) {
		t.Errorf("status history %v, want %v", got, want)
	}
}

// Without post-copy, force-complete pauses the guest so the copy
// converges: no post-copy, and the guest's downtime is the pause, far
// beyond the 500 ms a converging copy may take.
func TestComputeLMForceCompletePause(t *testing.T) {
	c, lm := forceComplete(t)
	if h := c.watch.history(lm.migration.UUID.Get()); slices.Contains(h, objects.MigrationPostCopy) {
		t.Errorf("post-copy without permission: %v", h)
	}
	var count uint64
	var sum float64
	for _, m := range c.gather(t, "cmp1")["novanats_migration_downtime_seconds"].GetMetric() {
		count += m.GetHistogram().GetSampleCount()
		sum += m.GetHistogram().GetSampleSum()
	}
	if count != 1 || sum < 0.5 {
		t.Errorf("downtime: %d observations summing %.3f s, want one of the paused copy (>= 0.5 s)", count, sum)
	}
}
