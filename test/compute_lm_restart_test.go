package test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/compute/virt/sim"
)

// A source compute that dies mid-migration and restarts finds the
// instance migrating: nova's _reset_live_migration sets the migration to
// error and clears the task; beyond nova, the destination's claim and
// prepared guest go and the source allocation returns to the instance, so
// the instance is claimed on exactly one host, the source.
//
// The death is made real enough: the source's NATS connection closes (it
// can neither hear nor write anything any more) and its host leaves the
// migration fabric, which fails the hypervisor's job; whatever the dead
// manager then tries goes nowhere.
func TestComputeLMSourceRestart(t *testing.T) {
	c := startCLM(t, []string{"cmp2"}, clmNoTimeout)
	cfg := c.computeConfig("cmp1")
	clmNoTimeout(&cfg)
	so := sim.DefaultOptions()
	so.VCPUs, so.MemoryMB, so.LocalGB = cmpVCPUs, cmpMemoryMB, cmpLocalGB
	so.Clock, so.Fabric, so.SharedStorage, so.Migration = c.clock, c.fabric, "nfs", cfg.Migration()
	dead, err := sim.New(so)
	if err != nil {
		t.Fatal(err)
	}
	nc := rpctest.Connect(t, c.srv, nats.UserInfo(computeUser, objPassword))
	old, err := compute.NewService(nc, dead, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Start(objCtx(t)); err != nil {
		t.Fatal(err)
	}
	c.drivers["cmp1"] = dead
	inst := c.buildActive(t, "cmp1")
	uuid := inst.UUID.Get()
	if err := dead.SetDirtyRate(uuid, 4096); err != nil {
		t.Fatal(err)
	}
	lm := c.prepare(t, inst, "cmp1", "cmp2")
	c.start(t, lm)
	c.awaitStatus(t, lm, objects.MigrationRunning)
	c.awaitNode(t, "cmp2", "destination counts the incoming instance", usedNode(1))

	nc.Close()
	dead.Detach()
	// Its calls in flight would wait out their timeout: a stop that does
	// not wait cancels them, as the process's death would.
	sctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = old.Stop(sctx)
	if st := c.migration(t, lm).Status.Get(); st != objects.MigrationRunning {
		t.Fatalf("the dead compute still wrote status %q", st)
	}

	// The hypervisor kept the guest; nova-compute comes back.
	so.Fabric = c.fabric
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
	c.startCompute(t, cfg, fresh)

	c.awaitStatus(t, lm, objects.MigrationError)
	i := c.instance(t, lm)
	if i.Host.Get() != "cmp1" || (i.TaskState.IsSet() && !i.TaskState.IsNull()) {
		t.Errorf("after the restart the instance is on %q in task %q, want cmp1 and no task", i.Host.Get(), i.TaskState.Get())
	}
	if i.VMState.Get() != objects.VMStateActive {
		t.Errorf("vm_state %q: the guest still runs on the source, want active", i.VMState.Get())
	}
	if got := c.allocations(t, uuid); got != "cmp1" {
		t.Errorf("instance allocated on %q after the recovery, want cmp1 alone", got)
	}
	if got := c.allocations(t, lm.migration.UUID.Get()); got != "" {
		t.Errorf("migration consumer still holds %q", got)
	}
	// The destination's rollback is a cast: its usage saying nothing is
	// coming is when it has run.
	c.awaitNode(t, "cmp2", "destination dropped the incoming instance", usedNode(0))
	if _, err := c.drivers["cmp2"].Guest(uuid); err == nil {
		t.Errorf("destination kept the prepared guest after the recovery")
	}
	c.awaitNode(t, "cmp1", "source counts the instance", usedNode(1))
}
