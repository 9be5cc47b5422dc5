package test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
)

// usedNode is a compute node's usage with n flavor instances on it.
func usedNode(n int) func(*objects.ComputeNode) bool {
	return func(cn *objects.ComputeNode) bool {
		return cn.VCPUsUsed.Get() == n*flavorVCPUs &&
			cn.MemoryMBUsed.Get() == cmpReserved+n*flavorMemoryMB &&
			cn.LocalGBUsed.Get() == n*flavorRootGB &&
			cn.FreeRAMMB.Get() == cmpMemoryMB-cmpReserved-n*flavorMemoryMB &&
			cn.FreeDiskGB.Get() == cmpLocalGB-n*flavorRootGB &&
			cn.RunningVMs.Get() == n
	}
}

// build_and_run_instance on an instance the conductor created makes it
// active on this host: the hypervisor runs it, the node counts it, the
// scheduler's claim stays, and the compute's event says so.
func TestBuildAndRunInstance(t *testing.T) {
	c := startComputeCloud(t)
	drv := c.newHypervisor(t)
	c.startCompute(t, c.computeConfig("cmp1"), drv)
	inst, ctx := c.newBuildRequest(t, "cmp1")
	uuid := inst.UUID.Get()

	if err := c.api.BuildAndRunInstance(ctx, "cmp1", inst, "cmp1"); err != nil {
		t.Fatal(err)
	}
	got := c.awaitInstance(t, uuid, "instance active", func(i *objects.Instance) bool {
		return i != nil && i.VMState.Get() == objects.VMStateActive
	})
	if _, busy := got.TaskState.Lookup(); busy || got.PowerState.Get() != objects.PowerRunning ||
		got.Host.Get() != "cmp1" || got.Node.Get() != "cmp1" || got.LaunchedOn.Get() != "cmp1" ||
		!got.LaunchedAt.Get().Equal(objT0) || got.Fault.Get() != nil {
		t.Errorf("active instance %s", asJSONObj(t, got))
	}
	g, err := drv.Guest(uuid)
	if err != nil || g.Power != virt.PowerRunning || g.Spec.VCPUs != flavorVCPUs || g.Spec.MemoryMB != flavorMemoryMB || g.Spec.DiskGB != flavorRootGB {
		t.Errorf("guest on the hypervisor: %+v (%v)", g, err)
	}
	c.awaitNode(t, "cmp1", "usage of one instance", usedNode(1))
	if a, err := c.placement.Allocations(ctx, uuid); err != nil || len(a) != 1 {
		t.Errorf("the scheduler's claim after a good build: %v (%v)", allocString(a), err)
	}

	ev := c.awaitEvent(t, ctx, uuid, compute.EventBuildAndRunInstance)
	if ev.Result.Get() != objects.EventResultSuccess || ev.Host.Get() != "cmp1" || !ev.StartTime.IsSet() {
		t.Errorf("event %s", asJSONObj(t, ev))
	}

	diag, err := c.api.GetInstanceDiagnostics(ctx, "cmp1", uuid)
	if err != nil || diag.State != "running" || diag.Driver != "sim" || diag.HypervisorHostname != "cmp1" {
		t.Errorf("diagnostics %+v (%v)", diag, err)
	}
	c.noPermissionViolations(t)
}

// A spawn the hypervisor fails puts the instance in ERROR with a fault,
// off the host, releases the scheduler's claim and the node's usage, and
// the compute's event records the error and its details.
func TestBuildSpawnFailure(t *testing.T) {
	c := startComputeCloud(t)
	drv := c.newHypervisor(t)
	c.startCompute(t, c.computeConfig("cmp1"), drv)
	inst, ctx := c.newBuildRequest(t, "cmp1")
	uuid := inst.UUID.Get()
	boom := errors.New("libvirt: internal error: qemu unexpectedly closed the monitor")
	drv.FailSpawn(uuid, boom)

	if err := c.api.BuildAndRunInstance(ctx, "cmp1", inst, ""); err != nil {
		t.Fatal(err)
	}
	got := c.awaitInstance(t, uuid, "instance in ERROR", func(i *objects.Instance) bool {
		return i != nil && i.VMState.Get() == objects.VMStateError
	})
	fault := got.Fault.Get()
	if fault == nil || fault.Code.Get() != 500 || !strings.Contains(fault.Message.Get(), boom.Error()) || fault.Host.Get() != "cmp1" {
		t.Fatalf("fault of the failed build: %s", asJSONObj(t, got))
	}
	if _, busy := got.TaskState.Lookup(); busy || !got.Host.IsNull() || !got.Node.IsNull() {
		t.Errorf("failed instance %s: want no task, no host, no node", asJSONObj(t, got))
	}
	if _, err := drv.Guest(uuid); !errors.Is(err, virt.ErrInstanceNotFound) {
		t.Errorf("guest of a failed spawn: %v", err)
	}
	c.awaitAllocations(t, "cmp1", uuid, "the scheduler's claim released", func(a map[placement.Node]placement.Resources) bool { return len(a) == 0 })
	c.awaitNode(t, "cmp1", "no usage left by the failed build", usedNode(0))

	ev := c.awaitEvent(t, ctx, uuid, compute.EventBuildAndRunInstance)
	if ev.Result.Get() != objects.EventResultError || ev.Host.Get() != "cmp1" || !strings.Contains(ev.Details.Get(), boom.Error()) {
		t.Errorf("event of the failed build %s", asJSONObj(t, ev))
	}
	if a, err := c.store.Actions.Get(ctx, uuid, requestOf(ctx)); err != nil || a.Message.Get() != "Error" {
		t.Errorf("action of the failed build: %v (%v)", a, err)
	}
}

// A flavor no hypervisor can boot (no vCPU) fails the build before
// anything is claimed on the host: ERROR with the reason, claim released.
func TestBuildInvalidFlavor(t *testing.T) {
	c := startComputeCloud(t)
	drv := c.newHypervisor(t)
	c.startCompute(t, c.computeConfig("cmp1"), drv)
	inst, ctx := c.newBuildRequest(t, "cmp1")
	uuid := inst.UUID.Get()
	if _, err := c.store.Instances.Update(ctx, uuid, func(i *objects.Instance) error {
		i.VCPUs.Set(0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	inst.VCPUs.Set(0)
	if err := c.api.BuildAndRunInstance(ctx, "cmp1", inst, ""); err != nil {
		t.Fatal(err)
	}
	got := c.awaitInstance(t, uuid, "instance in ERROR", func(i *objects.Instance) bool {
		return i != nil && i.VMState.Get() == objects.VMStateError
	})
	if f := got.Fault.Get(); f == nil || !strings.Contains(f.Message.Get(), "vcpus must be > 0") {
		t.Errorf("fault %s", asJSONObj(t, got))
	}
	c.awaitAllocations(t, "cmp1", uuid, "the scheduler's claim released", func(a map[placement.Node]placement.Resources) bool { return len(a) == 0 })
	if ids, _ := drv.ListInstances(); len(ids) != 0 {
		t.Errorf("guests after an invalid build: %v", ids)
	}
}

// A build of an instance deleted before the compute got to it builds
// nothing and writes nothing back.
func TestBuildOfDeletedInstance(t *testing.T) {
	c := startComputeCloud(t)
	drv := c.newHypervisor(t)
	c.startCompute(t, c.computeConfig("cmp1"), drv)
	inst, ctx := c.newBuildRequest(t, "cmp1")
	uuid := inst.UUID.Get()
	if err := c.store.Instances.Destroy(ctx, inst); err != nil {
		t.Fatal(err)
	}
	if err := c.api.BuildAndRunInstance(ctx, "cmp1", inst, ""); err != nil {
		t.Fatal(err)
	}
	ev := c.awaitEvent(t, ctx, uuid, compute.EventBuildAndRunInstance)
	if ev.Result.Get() != objects.EventResultSuccess {
		t.Errorf("event %s: nova records no failure of its own for a vanished instance", asJSONObj(t, ev))
	}
	c.awaitAllocations(t, "cmp1", uuid, "the scheduler's claim released", func(a map[placement.Node]placement.Resources) bool { return len(a) == 0 })
	if _, err := c.store.Instances.Get(ctx, uuid); err == nil {
		t.Error("a build brought a deleted instance back")
	}
	if ids, _ := drv.ListInstances(); len(ids) != 0 {
		t.Errorf("guests: %v", ids)
	}
}

// requestOf is the request id ctx carries.
func requestOf(ctx context.Context) string {
	rc, _ := rpc.RequestContextFrom(ctx)
	return rc.RequestID
}
