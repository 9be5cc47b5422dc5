package test

import (
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
)

// A compute whose state reports stop is not booted onto once
// service_down_time (60 s) has passed since its last report, and neither
// is a compute an operator disabled: boots land on the host left, although
// the weighers prefer the other two. Enabled again, the disabled host
// takes boots again.
func TestBootSkipsDownAndDisabledHosts(t *testing.T) {
	c := startBootCloud(t, bootOptions{schedulers: 1})
	// The weighers rank cmp-big first, then cmp-mid, then cmp-small.
	c.addCompute(t, "cmp-small", scaledHost(1))
	c.addCompute(t, "cmp-mid", scaledHost(2))
	c.addCompute(t, "cmp-big", scaledHost(4))
	ctx := objCtx(t)

	bootOne := func(what string) *objects.Instance {
		t.Helper()
		r := buildRequest(bootFlavor())
		c.boot(t, r)
		inst := c.awaitSettled(t, []string{r.InstanceUUID})[r.InstanceUUID]
		if inst.VMState.Get() != objects.VMStateActive {
			t.Fatalf("%s: instance not active: %s", what, asJSONObj(t, inst))
		}
		return inst
	}
	if got := bootOne("all up").Host.Get(); got != "cmp-big" {
		t.Fatalf("with every host up the boot went to %s, want cmp-big (the weighers' first)", got)
	}

	// cmp-big stops reporting: its compute is stopped (its guest runs
	// on; the hypervisor does not need the service). cmp-mid is
	// disabled but reports on.
	if err := c.computes["cmp-big"].Stop(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := c.store.Services.Get(ctx, "cmp-mid", compute.Binary)
	if err != nil {
		t.Fatal(err)
	}
	svc.Disabled.Set(true)
	svc.DisabledReason.Set("maintenance")
	if err := c.store.Services.Save(ctx, svc); err != nil {
		t.Fatal(err)
	}
	// Two computes' reporters and periodic tasks, and the scheduler's
	// reporter, are what is left on the fake clock.
	if err := c.clock.WaitForTickers(ctx, 5); err != nil {
		t.Fatal(err)
	}

	// 59 s on, the last report of cmp-big is within service_down_time:
	// it is still up, and still chosen. Nobody builds the instance
	// there (its compute is stopped), so it stays building on cmp-big,
	// as in nova until that compute starts again.
	c.advanceAndAwaitReports(t, 59*time.Second, "cmp-small", "cmp-mid")
	r := buildRequest(bootFlavor())
	c.boot(t, r)
	placed := c.awaitInstance(t, r.InstanceUUID, "instance placed", func(i *objects.Instance) bool {
		return i != nil && i.Host.Get() != ""
	})
	if placed.Host.Get() != "cmp-big" || placed.VMState.Get() != objects.VMStateBuilding {
		t.Fatalf("59 s after cmp-big's last report: %s, want building on cmp-big (still up)", asJSONObj(t, placed))
	}

	// 61 s on, cmp-big is down.
	c.advanceAndAwaitReports(t, 2*time.Second, "cmp-small", "cmp-mid")
	for range 3 {
		if got := bootOne("cmp-big down, cmp-mid disabled").Host.Get(); got != "cmp-small" {
			t.Errorf("boot went to %s, want cmp-small (cmp-big is down, cmp-mid disabled)", got)
		}
	}

	svc.Disabled.Set(false)
	svc.DisabledReason.SetNull()
	if err := c.store.Services.Save(ctx, svc); err != nil {
		t.Fatal(err)
	}
	if got := bootOne("cmp-mid enabled again").Host.Get(); got != "cmp-mid" {
		t.Errorf("after enabling cmp-mid the boot went to %s, want cmp-mid", got)
	}
}

// advanceAndAwaitReports moves the fake clock by d and waits until each
// of hosts has reported at the new time, so that the scheduler sees them
// as up at it.
func (c *bootCloud) advanceAndAwaitReports(t *testing.T, d time.Duration, hosts ...string) {
	t.Helper()
	c.clock.Advance(d)
	now := c.clock.Now()
	for _, h := range hosts {
		c.awaitReport(t, h, func(sv *objects.Service) bool { return sv.LastSeenUp.Get().Equal(now) })
	}
}
