package test

import (
	"errors"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute/virt"
)

// stuckInstance stores an instance as a compute that died mid-operation
// leaves it: placed on host, in vmState and taskState, with the
// scheduler's claim, and with a guest on the hypervisor when guest is set.
func (c *computeCloud) stuckInstance(t *testing.T, host string, vmState objects.VMState, taskState objects.TaskState, guest virt.Driver) *objects.Instance {
	t.Helper()
	inst := c.placeRecord(t, host, vmState, taskState)
	c.claim(t, host, inst.UUID.Get())
	if guest != nil {
		if err := guest.Spawn(objCtx(t), virt.GuestSpec{UUID: inst.UUID.Get(), VCPUs: flavorVCPUs, MemoryMB: flavorMemoryMB, DiskGB: flavorRootGB}); err != nil {
			t.Fatal(err)
		}
	}
	return inst
}

// A compute that restarts finds the instances its previous run left
// mid-operation and does what nova's _init_instance does: a build that was
// spawning goes to ERROR, a delete that was under way is finished, an
// instance marked deleted has its deletion completed; a settled instance
// is left alone.
func TestRestartRecoversInterruptedOperations(t *testing.T) {
	c := startComputeCloud(t)
	ctx := objCtx(t)
	drv := c.newHypervisor(t)
	first := c.startCompute(t, c.computeConfig("cmp1"), drv)
	settled := c.buildActive(t, "cmp1")
	if err := first.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// The previous run died with these in flight. The hypervisor (the
	// same sim host) outlives the compute service.
	spawning := c.stuckInstance(t, "cmp1", objects.VMStateBuilding, objects.TaskSpawning, nil)
	deleting := c.stuckInstance(t, "cmp1", objects.VMStateActive, objects.TaskDeleting, drv)
	markedDeleted := c.stuckInstance(t, "cmp1", objects.VMStateDeleted, objects.TaskDeleting, nil)

	c.startCompute(t, c.computeConfig("cmp1"), drv)

	// Start returns after init_host: the recovery is done.
	got, err := c.store.Instances.Get(ctx, spawning.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	if _, busy := got.TaskState.Lookup(); got.VMState.Get() != objects.VMStateError || busy {
		t.Errorf("interrupted spawn after restart: %s, want ERROR with no task", asJSONObj(t, got))
	}
	for _, gone := range []*objects.Instance{deleting, markedDeleted} {
		if _, err := c.store.Instances.Get(ctx, gone.UUID.Get()); err == nil {
			t.Errorf("interrupted delete of %s not finished", gone.UUID.Get())
		}
		if a, _ := c.placement.Allocations(ctx, gone.UUID.Get()); len(a) != 0 {
			t.Errorf("allocation of deleted %s kept: %s", gone.UUID.Get(), allocString(a))
		}
	}
	if _, err := drv.Guest(deleting.UUID.Get()); !errors.Is(err, virt.ErrInstanceNotFound) {
		t.Errorf("guest of the interrupted delete: %v", err)
	}
	got, _ = c.store.Instances.Get(ctx, settled.UUID.Get())
	if got.VMState.Get() != objects.VMStateActive || got.Host.Get() != "cmp1" {
		t.Errorf("settled instance after restart: %s", asJSONObj(t, got))
	}
	if _, err := drv.Guest(settled.UUID.Get()); err != nil {
		t.Errorf("settled guest after restart: %v", err)
	}
	// Usage counts the active instance and the failed build still placed
	// here (nova counts ERROR instances until they are deleted).
	c.awaitNode(t, "cmp1", "usage after recovery", usedNode(2))
	if a, _ := c.placement.Allocations(ctx, spawning.UUID.Get()); len(a) != 1 {
		t.Errorf("the failed build keeps its claim until deleted, as in nova: %s", allocString(a))
	}
}
