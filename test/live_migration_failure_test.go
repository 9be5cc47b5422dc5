package test

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
)

// runningTo starts a migration of a new, non-converging instance from
// cmp1 to dst through the conductor and waits until its memory copy runs
// and has reported progress.
func (c *lmCloud) runningTo(t *testing.T, dst string) (*objects.Instance, *objects.Migration) {
	t.Helper()
	inst := c.activeOn(t, "cmp1")
	c.nonConverging(t, "cmp1", inst)
	if _, _, err := c.migrateServer(t, inst, dst, true); err != nil {
		t.Fatal(err)
	}
	m := c.awaitMigrationStatus(t, inst.UUID.Get(), objects.MigrationRunning)
	c.await(t, "migrations", "", "progress of the running migration saved", func() (bool, string) {
		cur, err := c.store.Migrations.Get(objCtx(t), m.ID.Get())
		if err != nil {
			return false, err.Error()
		}
		m = cur
		return cur.MemoryProcessed.Get() > 0, asJSONObj(t, cur)
	})
	return inst, m
}

// noTimeout is a source whose migrations run until they converge or are
// stopped.
var noTimeout = lmHost{migration: func(m *virt.MigrationConfig) { m.CompletionTimeout = 0 }}

// The destination host dies while the memory copy runs (its migration
// network goes and its compute stops): the migration fails and rolls back
// on the source, where the instance goes on running, active with no
// task, claimed on the source alone; nothing is left held on the dead
// host.
func TestLiveMigrationDestinationDies(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	c.addHost(t, "cmp1", noTimeout)
	c.addHost(t, "cmp2", lmHost{})
	inst, _ := c.runningTo(t, "cmp2")

	c.drivers["cmp2"].Detach()
	if err := c.computes["cmp2"].Stop(objCtx(t)); err != nil {
		t.Fatal(err)
	}
	done := c.awaitFinalMigration(t, inst.UUID.Get())
	if st := done.Status.Get(); st != objects.MigrationError && st != objects.MigrationFailed {
		t.Fatalf("migration to a dead host: %s", asJSONObj(t, done))
	}
	got, err := c.store.Instances.Get(objCtx(t), inst.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	if got.Host.Get() != "cmp1" || got.VMState.Get() != objects.VMStateActive || !got.TaskState.IsNull() {
		t.Errorf("instance after its destination died: %s", asJSONObj(t, got))
	}
	if g, err := c.drivers["cmp1"].Guest(inst.UUID.Get()); err != nil || g.Power != virt.PowerRunning {
		t.Errorf("guest on the source: %+v (%v)", g, err)
	}
	c.expectHeldOnlyOn(t, inst.UUID.Get(), "cmp1")
	if a, err := c.placement.Allocations(objCtx(t), done.UUID.Get()); err != nil || len(a) != 0 {
		t.Errorf("the migration consumer holds %s (%v)", allocString(a), err)
	}
}

// The destination's nova-compute restarts while the memory copy runs (the
// hypervisor and its migration network stay up, as a service restart
// leaves them): the restarted compute takes the instance when the copy
// completes, and the migration ends completed on it.
func TestLiveMigrationDestinationComputeRestarts(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	c.addHost(t, "cmp1", noTimeout)
	c.addHost(t, "cmp2", lmHost{})
	inst, m := c.runningTo(t, "cmp2")

	if err := c.computes["cmp2"].Stop(objCtx(t)); err != nil {
		t.Fatal(err)
	}
	c.computes["cmp2"] = c.startCompute(t, c.computeConfig("cmp2"), c.drivers["cmp2"])

	cur, err := c.store.Instances.Get(objCtx(t), inst.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	ctx := c.newAction(t, inst.UUID.Get(), objects.ActionLiveMigrationForceComplete)
	if err := c.api.LiveMigrationForceComplete(ctx, cur, m); err != nil {
		t.Fatal(err)
	}
	done := c.awaitFinalMigration(t, inst.UUID.Get())
	if done.Status.Get() != objects.MigrationCompleted {
		t.Fatalf("migration across a destination restart: %s", asJSONObj(t, done))
	}
	c.expectMigrated(t, inst, "cmp1", "cmp2", done)
	if ev := c.awaitEvent(t, ctx, inst.UUID.Get(), compute.EventLiveMigrationForceComplete); ev.Result.Get() != objects.EventResultSuccess {
		t.Errorf("force-complete event %s", asJSONObj(t, ev))
	}
}
