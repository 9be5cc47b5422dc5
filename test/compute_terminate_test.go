package test

import (
	"context"
	"errors"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
)

// buildActive builds an instance on host and waits until it is active.
func (c *computeCloud) buildActive(t *testing.T, host string) *objects.Instance {
	t.Helper()
	inst, ctx := c.newBuildRequest(t, host)
	if err := c.api.BuildAndRunInstance(ctx, host, inst, ""); err != nil {
		t.Fatal(err)
	}
	got := c.awaitInstance(t, inst.UUID.Get(), "instance active", func(i *objects.Instance) bool {
		return i != nil && i.VMState.Get() == objects.VMStateActive
	})
	c.awaitEvent(t, ctx, inst.UUID.Get(), compute.EventBuildAndRunInstance)
	return got
}

// terminate_instance destroys the guest, frees the node's usage, releases
// the instance's allocation and deletes its record; the compute's event
// records it with the host.
func TestTerminateInstance(t *testing.T) {
	c := startComputeCloud(t)
	drv := c.newHypervisor(t)
	c.startCompute(t, c.computeConfig("cmp1"), drv)
	keep := c.buildActive(t, "cmp1")
	inst := c.buildActive(t, "cmp1")
	uuid := inst.UUID.Get()
	c.awaitNode(t, "cmp1", "usage of two instances", usedNode(2))

	ctx := c.newAction(t, uuid, "delete")
	if err := c.api.TerminateInstance(ctx, "cmp1", inst); err != nil {
		t.Fatal(err)
	}
	c.awaitInstance(t, uuid, "instance record deleted", func(i *objects.Instance) bool { return i == nil })
	if _, err := drv.Guest(uuid); !errors.Is(err, virt.ErrInstanceNotFound) {
		t.Errorf("guest after terminate: %v", err)
	}
	c.awaitNode(t, "cmp1", "usage of the one instance left", usedNode(1))
	c.awaitAllocations(t, "cmp1", uuid, "allocation released", func(a map[placement.Node]placement.Resources) bool { return len(a) == 0 })
	ev := c.awaitEvent(t, ctx, uuid, compute.EventTerminateInstance)
	if ev.Result.Get() != objects.EventResultSuccess || ev.Host.Get() != "cmp1" {
		t.Errorf("terminate event %s", asJSONObj(t, ev))
	}

	// The other instance is untouched, guest and claim.
	if _, err := drv.Guest(keep.UUID.Get()); err != nil {
		t.Errorf("the other guest: %v", err)
	}
	if a, _ := c.placement.Allocations(ctx, keep.UUID.Get()); len(a) != 1 {
		t.Errorf("the other instance's allocation: %s", allocString(a))
	}
	// A repeated terminate of the gone instance is harmless.
	ctx2 := c.newAction(t, uuid, "delete")
	if err := c.api.TerminateInstance(ctx2, "cmp1", inst); err != nil {
		t.Fatal(err)
	}
	if ev := c.awaitEvent(t, ctx2, uuid, compute.EventTerminateInstance); ev.Result.Get() != objects.EventResultSuccess {
		t.Errorf("second terminate event %s", asJSONObj(t, ev))
	}
	c.noPermissionViolations(t)
}

// A terminate the hypervisor cannot carry out leaves the instance in
// ERROR, still deleting, with its guest, usage and claim, and the event
// says why.
func TestTerminateFailure(t *testing.T) {
	c := startComputeCloud(t)
	drv := &failingDestroy{Driver: c.newHypervisor(t), err: errors.New("domain is locked by another operation")}
	svc := c.newCompute(t, c.computeConfig("cmp1"), drv)
	if err := svc.Start(objCtx(t)); err != nil {
		t.Fatal(err)
	}
	inst := c.buildActive(t, "cmp1")
	uuid := inst.UUID.Get()
	ctx := c.newAction(t, uuid, "delete")
	if err := c.api.TerminateInstance(ctx, "cmp1", inst); err != nil {
		t.Fatal(err)
	}
	ev := c.awaitEvent(t, ctx, uuid, compute.EventTerminateInstance)
	if ev.Result.Get() != objects.EventResultError || ev.Host.Get() != "cmp1" || !contains(ev.Details.Get(), drv.err.Error()) {
		t.Errorf("terminate event %s", asJSONObj(t, ev))
	}
	got, err := c.store.Instances.Get(ctx, uuid)
	if err != nil {
		t.Fatal(err)
	}
	if got.VMState.Get() != objects.VMStateError || got.TaskState.Get() != objects.TaskDeleting {
		t.Errorf("instance after a failed terminate %s: want error, still deleting", asJSONObj(t, got))
	}
	if a, _ := c.placement.Allocations(ctx, uuid); len(a) != 1 {
		t.Errorf("allocation after a failed terminate: %s", allocString(a))
	}
	c.awaitNode(t, "cmp1", "usage kept", usedNode(1))
}

// failingDestroy is a hypervisor whose Destroy fails.
type failingDestroy struct {
	virt.Driver
	err error
}

func (d *failingDestroy) Destroy(ctx context.Context, uuid string) error { return d.err }
