package test

import (
	"slices"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
)

// A live migration goes queued, preparing, running, completed; the
// instance ends on the destination with no task, its usage moved from the
// source node to the destination node and its claim in placement with it,
// the migration's counters saved, and the compute's events on the action.
func TestComputeLMCompletes(t *testing.T) {
	c := startCLM(t, []string{"cmp1", "cmp2"})
	inst := c.buildActive(t, "cmp1")
	c.awaitNode(t, "cmp1", "source counts the instance", usedNode(1))
	c.awaitNode(t, "cmp2", "destination empty", usedNode(0))

	lm := c.prepare(t, inst, "cmp1", "cmp2")
	if got := lm.data.DestHost.Get(); got != "cmp2" {
		t.Errorf("migrate data dest_host %q, want cmp2", got)
	}
	if !lm.data.IsSharedInstancePath.Get() || lm.data.BlockMigration.Get() {
		t.Errorf("shared storage: migrate data says shared=%v block=%v, want shared and no block migration",
			lm.data.IsSharedInstancePath.Get(), lm.data.BlockMigration.Get())
	}
	c.start(t, lm)
	c.assertCompleted(t, lm)

	want := []objects.MigrationStatus{objects.MigrationAccepted, objects.MigrationQueued, objects.MigrationPreparing,
		objects.MigrationRunning, objects.MigrationCompleted}
	if got := c.watch.history(lm.migration.UUID.Get()); !slices.Equal(got, want) {
		t.Errorf("status history %v, want %v", got, want)
	}
	mig := c.migration(t, lm)
	if total, _ := mig.MemoryTotal.Lookup(); total != flavorMemoryMB<<20 {
		t.Errorf("memory_total %d, want %d", total, flavorMemoryMB<<20)
	}
	if rem, ok := mig.MemoryRemaining.Lookup(); !ok || rem != 0 {
		t.Errorf("memory_remaining %d (set %v) after completion, want 0", rem, ok)
	}
	if p, _ := mig.MemoryProcessed.Lookup(); p < flavorMemoryMB<<20 {
		t.Errorf("memory_processed %d, want at least the guest's memory", p)
	}
	if got := c.instance(t, lm).Progress.Get(); got != 0 {
		t.Errorf("instance progress %d after the migration, want 0 (nova resets it)", got)
	}

	c.awaitNode(t, "cmp2", "destination counts the instance", usedNode(1))
	c.awaitNode(t, "cmp1", "source no longer counts it", usedNode(0))

	uuid := inst.UUID.Get()
	for _, ev := range []string{compute.EventCheckCanLiveMigrateDestination, compute.EventCheckCanLiveMigrateSource,
		compute.EventPreLiveMigration, compute.EventPostLiveMigrationAtDestination, compute.EventLiveMigration} {
		e := c.awaitEvent(t, lm.ctx, uuid, ev)
		if e.Result.Get() != "Success" {
			t.Errorf("event %s: result %q, want Success", ev, e.Result.Get())
		}
	}
	if e := c.awaitEvent(t, lm.ctx, uuid, compute.EventPreLiveMigration); e.Host.Get() != "cmp2" {
		t.Errorf("pre_live_migration recorded by %q, want the destination cmp2", e.Host.Get())
	}
	if e := c.awaitEvent(t, lm.ctx, uuid, compute.EventLiveMigration); e.Host.Get() != "cmp1" {
		t.Errorf("live_migration recorded by %q, want the source cmp1", e.Host.Get())
	}
	c.noPermissionViolations(t)
}
