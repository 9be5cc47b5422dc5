package test

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/conductor"
)

// Requests no host can take end in ERROR with a NoValidHost fault whose
// message names the filter that removed the last hosts, and leave no
// claim behind; the instances of one request are placed together or not
// at all, as nova's multi-create, while a request mixing flavors is placed
// per flavor.
func TestBootNoValidHost(t *testing.T) {
	c := startBootCloud(t, bootOptions{schedulers: 1})
	c.addCompute(t, "cmp1", scaledHost(1))
	c.addCompute(t, "cmp2", scaledHost(1))

	// A flavor bigger than any host's memory.
	huge := buildRequest(objects.NewFlavor("m1.huge", 2, 4*cmpMemoryMB, 20))
	hugeCtx := c.boot(t, huge)
	// A zone no host is in.
	nowhere := buildRequest(bootFlavor())
	nowhere.AvailabilityZone = "nowhere"
	nowhereCtx := c.boot(t, nowhere)
	// Three instances of which each host has memory for one: the
	// scheduler places two, then filters the one host the second
	// instance left it with (nova's: each instance starts from the
	// hosts that passed for the one before) and finds no room.
	half := objects.NewFlavor("m1.half", 2, (cmpMemoryMB-cmpReserved)*2/3, 20)
	three := []conductor.BuildRequest{buildRequest(half), buildRequest(half), buildRequest(half)}
	threeCtx := c.boot(t, three...)
	// One request of two flavors: the small one is placed, the huge not.
	mixed := []conductor.BuildRequest{buildRequest(bootFlavor()), buildRequest(objects.NewFlavor("m1.huge", 2, 4*cmpMemoryMB, 20))}
	mixedCtx := c.boot(t, mixed...)

	all := append(append([]conductor.BuildRequest{huge, nowhere}, three...), mixed...)
	insts := c.awaitSettled(t, uuidsOf(all))

	c.expectNoValidHost(t, hugeCtx, insts[huge.InstanceUUID], "'RamFilter: (start: 2, end: 0)'")
	c.expectNoValidHost(t, nowhereCtx, insts[nowhere.InstanceUUID], "'AvailabilityZoneFilter: (start: 2, end: 0)'")
	if az := insts[nowhere.InstanceUUID].AvailabilityZone.Get(); az != "nowhere" {
		t.Errorf("the requested zone of an unplaced instance: %q", az)
	}
	for _, r := range three {
		c.expectNoValidHost(t, threeCtx, insts[r.InstanceUUID], "Placed 2 of 3 instances.", "'RamFilter: (start: 1, end: 0)'")
	}
	if got := insts[mixed[0].InstanceUUID]; got.VMState.Get() != objects.VMStateActive {
		t.Errorf("the small instance of the mixed request: %s", asJSONObj(t, got))
	}
	c.expectNoValidHost(t, mixedCtx, insts[mixed[1].InstanceUUID], "'RamFilter: (start: 2, end: 0)'")

	// A failed boot's action says so, as `server event list` would.
	a, err := c.store.Actions.Get(hugeCtx, huge.InstanceUUID, requestOf(hugeCtx))
	if err != nil || a.Action.Get() != conductor.ActionCreate || a.Message.Get() != "Error" {
		t.Errorf("action of the failed boot: %v (%v)", a, err)
	}
	activeByHost, _ := byState(insts)
	c.expectUsage(t, activeByHost)
}
