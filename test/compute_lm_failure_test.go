package test

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt/sim"
)

// A guest that dirties memory faster than the link sends it never
// converges; with live_migration_timeout_action=abort the completion
// timeout cancels the job, and the migration is failed (the system gave
// up, not an operator) and rolled back.
func TestComputeLMCompletionTimeoutAborts(t *testing.T) {
	c := startCLM(t, []string{"cmp1", "cmp2"}, func(cfg *compute.Config) {
		cfg.LiveMigrationCompletionTimeout = 1 // s per GiB: 2 s for the 2 GiB guest
	})
	inst := c.buildActive(t, "cmp1")
	if err := c.drivers["cmp1"].SetDirtyRate(inst.UUID.Get(), 4096); err != nil {
		t.Fatal(err)
	}
	lm := c.prepare(t, inst, "cmp1", "cmp2")
	c.start(t, lm)
	c.assertRolledBack(t, lm, objects.MigrationFailed)
	e := c.awaitEvent(t, lm.ctx, inst.UUID.Get(), compute.EventLiveMigration)
	if e.Result.Get() != "Error" {
		t.Errorf("compute_live_migration result %q, want Error", e.Result.Get())
	}
	c.awaitNode(t, "cmp2", "destination counts nothing", usedNode(0))
	c.awaitNode(t, "cmp1", "source still counts the instance", usedNode(1))
}

// pre_live_migration failing on the destination: the source never starts
// the job, rolls back (the destination too, in case it prepared part) and
// the migration is failed.
func TestComputeLMPreLiveMigrationFails(t *testing.T) {
	c := startCLM(t, []string{"cmp1", "cmp2"})
	inst := c.buildActive(t, "cmp1")
	c.drivers["cmp2"].FailPreLiveMigration(inst.UUID.Get(), nil)
	lm := c.prepare(t, inst, "cmp1", "cmp2")
	c.start(t, lm)
	c.assertRolledBack(t, lm, objects.MigrationFailed)
	if e := c.awaitEvent(t, lm.ctx, inst.UUID.Get(), compute.EventPreLiveMigration); e.Result.Get() != "Error" || e.Host.Get() != "cmp2" {
		t.Errorf("compute_pre_live_migration: result %q on %q, want Error on cmp2", e.Result.Get(), e.Host.Get())
	}
	for _, s := range c.watch.history(lm.migration.UUID.Get()) {
		if s == objects.MigrationRunning {
			t.Errorf("migration went running although pre_live_migration failed: %v", c.watch.history(lm.migration.UUID.Get()))
		}
	}
}

// The migration link dropping mid-copy fails the hypervisor's job while
// the guest still runs on the source: failed, and rolled back.
func TestComputeLMLinkDrop(t *testing.T) {
	c := startCLM(t, []string{"cmp1", "cmp2"})
	inst := c.buildActive(t, "cmp1")
	if err := c.drivers["cmp1"].DropLink(inst.UUID.Get(), sim.Trigger{AfterBytes: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	lm := c.prepare(t, inst, "cmp1", "cmp2")
	c.start(t, lm)
	c.assertRolledBack(t, lm, objects.MigrationFailed)
	if p := c.watch.latest(lm.migration.UUID.Get()).MemoryProcessed.Get(); p < 1<<30 {
		t.Errorf("memory_processed %d saved at the failure, want the 1 GiB sent before the drop", p)
	}
	if i := c.instance(t, lm); i.VMState.Get() != objects.VMStateActive {
		t.Errorf("vm_state %q after a link drop, want active: the guest kept running on the source", i.VMState.Get())
	}
}
