package test

import (
	"testing"

	"github.com/novanats/novanats/pkg/placement"
)

// When placement refuses the claim on the best host, the scheduler moves
// on to the next one by weight, and the refusing host is no alternate.
//
// The refusal is arranged without a race: a node reporting 0 vCPUs
// passes the CoreFilter (nova's fail-safe for drivers that cannot count
// them), but placement has no VCPU to give. Its plentiful RAM and disk
// make it the weighers' favourite.
func TestSchedulerMovesOnWhenAClaimIsRefused(t *testing.T) {
	c := startSchedCloud(t)
	noCPUs := schedHost{name: "cmp-nocpu", vcpus: 0, memMB: 262144, diskGB: 10000}
	for _, h := range []schedHost{noCPUs, schedSmall, schedMid} {
		c.addHost(t, h)
	}
	c.startScheduler(t, "sched-1")

	spec := schedSpec(1, 512, 1)
	sels, err := c.selectOne(t, spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := schedHostsOf(sels[0]); len(got) != 2 || got[0] != schedMid.name || got[1] != schedSmall.name {
		t.Errorf("selections %v, want [cmp-mid cmp-small]: cmp-nocpu refused the claim", got)
	}
	held := c.allocations(t)[spec.InstanceUUID.Get()]
	if len(held) != 1 || held[schedNode(schedMid)] != (placement.Resources{VCPU: 1, MemoryMB: 512, DiskGB: 1}) {
		t.Errorf("the instance holds %v, want its claim on cmp-mid alone", held)
	}

	// Only the refusing host asked for: NoValidHost, saying that
	// filtering kept it and placement refused it.
	spec = schedSpec(1, 512, 1)
	spec.RequestedDestination.Set(schedDestination(noCPUs.name, ""))
	_, err = c.selectOne(t, spec)
	c.expectNoValidHost(t, err, spec.InstanceUUID.Get(), "Filtering kept 1 of 3 hosts", "Placement refused the claim on all 1 hosts that passed", "1 VCPU")
}
