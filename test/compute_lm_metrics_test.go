package test

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
)

// The source's per-migration gauges exist while the migration runs and
// follow it (what an operator watches to see why it does not converge),
// the saved counters advance with them, and when it ends the series are
// gone and the outcome is counted.
func TestComputeLMMetrics(t *testing.T) {
	c := startCLM(t, []string{"cmp1", "cmp2"}, clmNoTimeout)
	inst := c.buildActive(t, "cmp1")
	if err := c.drivers["cmp1"].SetDirtyRate(inst.UUID.Get(), 4096); err != nil {
		t.Fatal(err)
	}
	lm := c.prepare(t, inst, "cmp1", "cmp2")
	mu := lm.migration.UUID.Get()
	if _, ok := c.gauge(t, "cmp1", "novanats_migration_data_processed_bytes", mu); ok {
		t.Fatal("a per-migration series exists before the migration")
	}
	c.start(t, lm)

	// Each saved snapshot of the counters comes after the gauges were
	// set from the same stats: once the store shows a migration past its
	// first pass, the gauges do too.
	savedPast := func(bytes int) func() bool {
		return func() bool {
			m := c.watch.latest(mu)
			return m != nil && m.MemoryProcessed.Get() > bytes
		}
	}
	c.watch.await(t, "first pass saved", savedPast(flavorMemoryMB<<20))
	first, ok := c.gauge(t, "cmp1", "novanats_migration_data_processed_bytes", mu)
	if !ok || first <= flavorMemoryMB<<20 {
		t.Fatalf("data_processed gauge %v (exists %v) while running, want past the first pass", first, ok)
	}
	if it, _ := c.gauge(t, "cmp1", "novanats_migration_memory_iteration", mu); it < 2 {
		t.Errorf("memory_iteration gauge %v, want a pass after the first", it)
	}
	c.watch.await(t, "more passes saved", savedPast(int(first)+flavorMemoryMB<<20))
	if later, _ := c.gauge(t, "cmp1", "novanats_migration_data_processed_bytes", mu); later <= first {
		t.Errorf("data_processed gauge did not move: %v then %v", first, later)
	}
	if p := c.instance(t, lm).Progress.Get(); p < 0 || p > 100 {
		t.Errorf("instance progress %d while running, want a percentage", p)
	}

	if err := c.api.LiveMigrationForceComplete(c.newAction(t, inst.UUID.Get(), "force"), lm.inst, lm.migration); err != nil {
		t.Fatal(err)
	}
	c.assertCompleted(t, lm)
	for _, name := range []string{"novanats_migration_data_processed_bytes", "novanats_migration_data_remaining_bytes",
		"novanats_migration_progress_ratio", "novanats_migration_memory_iteration"} {
		if v, ok := c.gauge(t, "cmp1", name, mu); ok {
			t.Errorf("%s still exported after the migration (%v)", name, v)
		}
	}
	if got := c.finished(t, "cmp1"); got["completed"] != 1 || len(got) != 1 {
		t.Errorf("finished counters %v, want one completed", got)
	}
	if got := c.finished(t, "cmp2"); len(got) != 0 {
		t.Errorf("the destination counted %v: only sources count migrations", got)
	}

	// A second migration, back, fails: the counters follow the outcome.
	back := c.prepare(t, c.instance(t, lm), "cmp2", "cmp1")
	c.drivers["cmp1"].FailPreLiveMigration(inst.UUID.Get(), nil)
	c.start(t, back)
	c.assertRolledBack(t, back, objects.MigrationFailed)
	if got := c.finished(t, "cmp2"); got["failed"] != 1 {
		t.Errorf("destination-turned-source counters %v, want one failed", got)
	}
}
