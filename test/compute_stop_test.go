package test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
)

// gatedSpawn is a hypervisor whose Spawn announces itself and then waits
// for the test to open the gate, or for its context to end.
type gatedSpawn struct {
	virt.Driver
	entered chan string
	gate    chan struct{}
}

func newGatedSpawn(d virt.Driver) *gatedSpawn {
	return &gatedSpawn{Driver: d, entered: make(chan string, 8), gate: make(chan struct{})}
}

func (d *gatedSpawn) Spawn(ctx context.Context, g virt.GuestSpec) error {
	d.entered <- g.UUID
	select {
	case <-d.gate:
		return d.Driver.Spawn(ctx, g)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startGatedBuild starts a compute on a gated hypervisor and a build that
// is in the driver's Spawn when it returns.
func (c *computeCloud) startGatedBuild(t *testing.T) (*compute.Service, *gatedSpawn, *objects.Instance, context.Context) {
	t.Helper()
	drv := newGatedSpawn(c.newHypervisor(t))
	svc := c.newCompute(t, c.computeConfig("cmp1"), drv)
	if err := svc.Start(objCtx(t)); err != nil {
		t.Fatal(err)
	}
	inst, ctx := c.newBuildRequest(t, "cmp1")
	if err := c.api.BuildAndRunInstance(ctx, "cmp1", inst, ""); err != nil {
		t.Fatal(err)
	}
	select {
	case <-drv.entered:
	case <-ctx.Done():
		t.Fatal("the build never reached the hypervisor")
	}
	return svc, drv, inst, ctx
}

// A graceful stop waits for the builds in flight: they finish, and the
// instance is active by the time Stop returns.
func TestStopWaitsForBuildsInFlight(t *testing.T) {
	c := startComputeCloud(t)
	svc, drv, inst, ctx := c.startGatedBuild(t)
	stopped := make(chan error, 1)
	go func() { stopped <- svc.Stop(objCtx(t)) }()
	// Stop has begun once its reporter and periodic task let go of
	// the clock.
	if err := c.clock.WaitForTickers(ctx, 0); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a build was in flight", err)
	default:
	}
	close(drv.gate)
	if err := <-stopped; err != nil {
		t.Fatalf("stop: %v", err)
	}
	// No waiting: Stop returned after the build ended.
	got, err := c.store.Instances.Get(ctx, inst.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	if got.VMState.Get() != objects.VMStateActive || got.Host.Get() != "cmp1" {
		t.Errorf("instance after a graceful stop: %s, want active", asJSONObj(t, got))
	}
}

// A stop whose context ends first cancels the builds in flight; each still
// records its failure (ERROR with a fault, claim released, event) before
// Stop returns the context's error.
func TestStopBoundedByContext(t *testing.T) {
	c := startComputeCloud(t)
	svc, _, inst, ctx := c.startGatedBuild(t)
	uuid := inst.UUID.Get()
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	if err := svc.Stop(expired); !errors.Is(err, context.Canceled) {
		t.Fatalf("stop with an expired context: %v", err)
	}
	got, err := c.store.Instances.Get(ctx, uuid)
	if err != nil {
		t.Fatal(err)
	}
	if f := got.Fault.Get(); got.VMState.Get() != objects.VMStateError || f == nil || !strings.Contains(f.Message.Get(), context.Canceled.Error()) {
		t.Errorf("instance of a build cut by stop: %s", asJSONObj(t, got))
	}
	if a, _ := c.placement.Allocations(ctx, uuid); len(a) != 0 {
		t.Errorf("claim of the cut build kept: %s", allocString(a))
	}
	ev := c.awaitEvent(t, ctx, uuid, compute.EventBuildAndRunInstance)
	if ev.Result.Get() != objects.EventResultError {
		t.Errorf("event of the cut build %s", asJSONObj(t, ev))
	}
}
