package test

import (
	"errors"

	"github.com/google/uuid"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
)

// expectNoValidHost asserts err is a NoValidHost (rebuilt on the caller)
// whose message says each of subs, and that nothing is claimed for the
// instance.
func (c *schedCloud) expectNoValidHost(t *testing.T, err error, instance string, subs ...string) {
	t.Helper()
	var nvh *exception.NoValidHost
	if !errors.As(err, &nvh) {
		t.Fatalf("got %v (%T), want NoValidHost", err, err)
	}
	schedMustContain(t, "NoValidHost", nvh.Error(), append([]string{"No valid host was found. There are not enough hosts available."}, subs...)...)
	if got := c.allocations(t)[instance]; len(got) != 0 {
		t.Errorf("instance %s holds %v after NoValidHost", instance, got)
	}
}

// ComputeFilter: a host whose compute has not reported within
// service_down_time, and a host an operator disabled, are not scheduled
// to, even when asked for by name.
func TestSchedulerComputeFilterExcludesDownAndDisabledHosts(t *testing.T) {
	c := startSchedCloud(t)
	up := schedHost{name: "cmp-up", vcpus: 4, memMB: 4096, diskGB: 50}
	// The stale and disabled hosts are bigger, so the weighers would
	// pick them first if the ComputeFilter let them through.
	stale := schedHost{name: "cmp-stale", vcpus: 32, memMB: 65536, diskGB: 1000}
	disabled := schedHost{name: "cmp-disabled", vcpus: 32, memMB: 65536, diskGB: 1000, disabled: true}
	for _, h := range []schedHost{up, stale, disabled} {
		c.addHost(t, h)
	}
	c.startScheduler(t, "sched-1")

	// All reported at T0. 50 s on, all but cmp-stale report again; 20 s
	// later cmp-stale was last heard of 70 s ago, past the default
	// service_down_time of 60 s, and the others 20 s ago.
	c.clock.Advance(50 * time.Second)
	c.report(t, up.name)
	c.report(t, disabled.name)
	c.clock.Advance(20 * time.Second)

	spec := schedSpec(1, 512, 1)
	sels, err := c.selectOne(t, spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := schedHostsOf(sels[0]); len(got) != 1 || got[0] != up.name {
		t.Fatalf("selections %v, want only %s (the others are down or disabled, so no alternates)", got, up.name)
	}

	for _, h := range []schedHost{stale, disabled} {
		spec := schedSpec(1, 512, 1)
		spec.RequestedDestination.Set(schedDestination(h.name, ""))
		_, err := c.selectOne(t, spec)
		c.expectNoValidHost(t, err, spec.InstanceUUID.Get(), "'RequestedDestination: (start: 3, end: 1)'", "'ComputeFilter: (start: 1, end: 0)'")
	}

	// The stale compute reports again: it is up, and being the biggest
	// it is chosen.
	c.report(t, stale.name)
	sels, err = c.selectOne(t, schedSpec(1, 512, 1))
	if err != nil {
		t.Fatal(err)
	}
	if got := sels[0][0].ServiceHost.Get(); got != stale.name {
		t.Errorf("after reporting again, chosen %s, want %s", got, stale.name)
	}
}

func schedDestination(host, node string) *objects.Destination {
	d := new(objects.Destination)
	d.Host.Set(host)
	if node != "" {
		d.Node.Set(node)
	} else {
		d.Node.SetNull()
	}
	return d
}

// Requests no host can take get NoValidHost naming the filter that
// removed the last hosts, and claim nothing.
func TestSchedulerImpossibleRequests(t *testing.T) {
	c := startSchedCloud(t)
	for _, h := range []schedHost{
		{name: "cmp-a", vcpus: 8, memMB: 8192, diskGB: 100, az: "az1"},
		{name: "cmp-b", vcpus: 8, memMB: 8192, diskGB: 100, az: "az2"},
	} {
		c.addHost(t, h)
	}
	c.startScheduler(t, "sched-1")

	// More memory than any host has, even oversubscribed.
	huge := schedSpec(2, 8192*2, 10)
	_, err := c.selectOne(t, huge)
	c.expectNoValidHost(t, err, huge.InstanceUUID.Get(), "'ComputeFilter: (start: 2, end: 2)'", "'RamFilter: (start: 2, end: 0)'")

	// More vCPUs than any host has: no overcommit against itself.
	wide := schedSpec(9, 512, 1)
	_, err = c.selectOne(t, wide)
	c.expectNoValidHost(t, err, wide.InstanceUUID.Get(), "'CoreFilter: (start: 2, end: 0)'")

	// A zone no host is in.
	lost := schedSpec(1, 512, 1)
	lost.AvailabilityZone.Set("atlantis")
	_, err = c.selectOne(t, lost)
	c.expectNoValidHost(t, err, lost.InstanceUUID.Get(), "'AvailabilityZoneFilter: (start: 2, end: 0)'")

	// A zone one host is in: that host.
	found := schedSpec(1, 512, 1)
	found.AvailabilityZone.Set("az2")
	sels, err := c.selectOne(t, found)
	if err != nil {
		t.Fatal(err)
	}
	if got := schedHostsOf(sels[0]); len(got) != 1 || got[0] != "cmp-b" {
		t.Errorf("in az2: %v, want [cmp-b]", got)
	}
	if got := sels[0][0].AvailabilityZone.Get(); got != "az2" {
		t.Errorf("selection's zone %q, want az2", got)
	}
}

// ignore_hosts and requested_destination narrow the hosts before the
// filters, as nova's host manager does.
func TestSchedulerIgnoreHostsAndRequestedDestination(t *testing.T) {
	c := startSchedCloud(t)
	for _, h := range []schedHost{schedSmall, schedBig, schedMid} {
		c.addHost(t, h)
	}
	c.startScheduler(t, "sched-1")

	// Ignoring the favourite: the next best is chosen, and the ignored
	// host is no alternate either.
	spec := schedSpec(1, 512, 1)
	spec.IgnoreHosts.Set([]string{schedBig.name})
	sels, err := c.selectOne(t, spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := schedHostsOf(sels[0]); len(got) != 2 || got[0] != schedMid.name || got[1] != schedSmall.name {
		t.Errorf("ignoring %s: %v, want [cmp-mid cmp-small]", schedBig.name, got)
	}

	// A requested destination that is not the favourite is honoured,
	// with no alternates (no other host may be used).
	spec = schedSpec(1, 512, 1)
	spec.RequestedDestination.Set(schedDestination(schedSmall.name, schedSmall.name+".local"))
	sels, err = c.selectOne(t, spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := schedHostsOf(sels[0]); len(got) != 1 || got[0] != schedSmall.name {
		t.Errorf("requested destination %s: %v", schedSmall.name, got)
	}
	if got := c.allocations(t)[spec.InstanceUUID.Get()]; len(got) != 1 || got[schedNode(schedSmall)].MemoryMB != 512 {
		t.Errorf("requested destination: the instance holds %v", got)
	}

	// The requested destination ignored too: nothing left.
	spec = schedSpec(1, 512, 1)
	spec.RequestedDestination.Set(schedDestination(schedMid.name, ""))
	spec.IgnoreHosts.Set([]string{schedMid.name})
	_, err = c.selectOne(t, spec)
	c.expectNoValidHost(t, err, spec.InstanceUUID.Get(), "'RequestedDestination: (start: 3, end: 1)'", "'IgnoreHosts: (start: 1, end: 0)'")

	// A requested destination that does not fit is refused, not
	// replaced by another host.
	spec = schedSpec(1, 16384, 1)
	spec.RequestedDestination.Set(schedDestination(schedSmall.name, ""))
	_, err = c.selectOne(t, spec)
	c.expectNoValidHost(t, err, spec.InstanceUUID.Get(), "'RamFilter: (start: 1, end: 0)'")
}

// The scheduler filters on placement's usage, so it sees what other
// schedulers claimed although the compute records still report the
// hosts empty.
func TestSchedulerSeesClaimsOfOtherSchedulers(t *testing.T) {
	c := startSchedCloud(t)
	for _, h := range []schedHost{schedSmall, schedBig} {
		c.addHost(t, h)
	}
	c.startScheduler(t, "sched-1")
	// Other schedulers filled cmp-big (RAM ratio 1.5: 49152 MB) but for
	// 256 MB; no instance may exceed the 32768 MB total alone.
	c.fill(t, schedNode(schedBig), 32768, 49152-32768-256)
	spec := schedSpec(1, 512, 1)
	sels, err := c.selectOne(t, spec)
	if err != nil {
		t.Fatal(err)
	}
	// cmp-big is filtered out (not tried and refused): it is not even
	// an alternate.
	if got := schedHostsOf(sels[0]); len(got) != 1 || got[0] != schedSmall.name {
		t.Errorf("selections %v, want only %s", got, schedSmall.name)
	}
	// Fill cmp-small as well: the RamFilter, not a claim, says no.
	c.fill(t, schedNode(schedSmall), 8192, 8192*3/2-512-256-8192)
	spec = schedSpec(1, 512, 1)
	_, err = c.selectOne(t, spec)
	c.expectNoValidHost(t, err, spec.InstanceUUID.Get(), "'RamFilter: (start: 2, end: 0)'")
}

// fill claims memory on n for new consumers, one claim per amount, as
// other schedulers would.
func (c *schedCloud) fill(t *testing.T, n placement.Node, amounts ...int) {
	t.Helper()
	for _, mb := range amounts {
		if err := c.placement.Claim(schedCtx(t), n, uuid.NewString(), placement.Resources{VCPU: 1, MemoryMB: mb, DiskGB: 1}); err != nil {
			t.Fatal(err)
		}
	}
}

// A compute node that has not put its inventory in placement cannot be
// claimed on and is no candidate; the NoValidHost says so.
func TestSchedulerSkipsNodesWithoutInventory(t *testing.T) {
	c := startSchedCloud(t)
	c.addHost(t, schedHost{name: "cmp-new", vcpus: 8, memMB: 8192, diskGB: 100, noInventory: true})
	c.startScheduler(t, "sched-1")
	spec := schedSpec(1, 512, 1)
	_, err := c.selectOne(t, spec)
	c.expectNoValidHost(t, err, spec.InstanceUUID.Get(), "No compute node can be scheduled to", "(cmp-new, cmp-new.local): no inventory in placement")

	// Its compute reports the inventory: now it is a candidate.
	cn, err := c.store.ComputeNodes.GetByHost(schedCtx(t), "cmp-new")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.placement.SetInventory(schedCtx(t), placement.NodeOf(cn), placement.InventoryFromComputeNode(cn, placement.Resources{}, placement.DefaultAllocationRatios())); err != nil {
		t.Fatal(err)
	}
	if _, err := c.selectOne(t, schedSpec(1, 512, 1)); err != nil {
		t.Errorf("after the inventory was set: %v", err)
	}
}
