package test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/compute/virt/sim"
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

	ctx := c.forceComplete(t, inst, m)
	done := c.awaitFinalMigration(t, inst.UUID.Get())
	if done.Status.Get() != objects.MigrationCompleted {
		t.Fatalf("migration across a destination restart: %s", asJSONObj(t, done))
	}
	c.expectMigrated(t, inst, "cmp1", "cmp2", done)
	if ev := c.awaitEvent(t, ctx, inst.UUID.Get(), compute.EventLiveMigrationForceComplete); ev.Result.Get() != objects.EventResultSuccess {
		t.Errorf("force-complete event %s", asJSONObj(t, ev))
	}
}

// The source's nova-compute dies while the memory copy runs (its NATS
// connection closes, its host leaves the migration fabric, which fails
// the hypervisor's job) and starts again on the same hypervisor, which
// kept the guest. The restarted compute finds the instance migrating and
// recovers it as nova's _reset_live_migration does, beyond nova undoing
// placement and the destination too: the migration in error, the
// instance active on the source with no task, claimed there alone,
// nothing left prepared or counted on the destination.
func TestLiveMigrationSourceComputeRestarts(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	c.addHost(t, "cmp2", lmHost{})
	so := sim.DefaultOptions()
	so.VCPUs, so.MemoryMB, so.LocalGB = cmpVCPUs, cmpMemoryMB, cmpLocalGB
	so.Clock, so.Fabric = c.simClock, c.fabric
	so.Migration.CompletionTimeout = 0
	dead, err := sim.New(so)
	if err != nil {
		t.Fatal(err)
	}
	// The source on a connection of its own, so that it can die alone.
	nc := rpctest.Connect(t, c.srv, nats.UserInfo(computeUser, objPassword))
	cfg := c.computeConfig("cmp1")
	old, err := compute.NewService(nc, dead, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Start(objCtx(t)); err != nil {
		t.Fatal(err)
	}
	c.drivers["cmp1"], c.sizes["cmp1"], c.computes["cmp1"] = dead, scaledHost(1), old
	c.awaitReport(t, "cmp1", func(sv *objects.Service) bool { return sv.ReportCount.Get() >= 1 })
	inst, m := c.runningTo(t, "cmp2")
	uuid := inst.UUID.Get()

	nc.Close()
	dead.Detach()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = old.Stop(sctx) // a dead process reports nothing; its errors say only that it is cut off
	if cur, err := c.store.Migrations.Get(objCtx(t), m.ID.Get()); err != nil || cur.Status.Get() != objects.MigrationRunning {
		t.Fatalf("the dead source changed its migration: %v (%v)", cur, err)
	}

	fresh, err := sim.New(so)
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.Init("cmp1"); err != nil {
		t.Fatal(err)
	}
	if err := fresh.Spawn(objCtx(t), virt.GuestSpec{UUID: uuid, VCPUs: flavorVCPUs, MemoryMB: flavorMemoryMB, DiskGB: flavorRootGB}); err != nil {
		t.Fatal(err)
	}
	c.drivers["cmp1"] = fresh
	c.computes["cmp1"] = c.startCompute(t, cfg, fresh)

	done := c.awaitFinalMigration(t, uuid)
	if done.Status.Get() != objects.MigrationError {
		t.Fatalf("migration after the source restarted: %s", asJSONObj(t, done))
	}
	got, err := c.store.Instances.Get(objCtx(t), uuid)
	if err != nil {
		t.Fatal(err)
	}
	if got.Host.Get() != "cmp1" || got.VMState.Get() != objects.VMStateActive || !got.TaskState.IsNull() {
		t.Errorf("instance after the source restarted: %s", asJSONObj(t, got))
	}
	c.expectHeldOnlyOn(t, uuid, "cmp1")
	if a, err := c.placement.Allocations(objCtx(t), done.UUID.Get()); err != nil || len(a) != 0 {
		t.Errorf("the migration consumer holds %s (%v)", allocString(a), err)
	}
	// The destination's rollback is a cast: its node counting nothing
	// is when it has run.
	c.awaitNode(t, "cmp2", "destination dropped the incoming instance", usedNode(0))
	if _, err := c.drivers["cmp2"].Guest(uuid); err == nil {
		t.Error("the destination kept the prepared guest")
	}
}
