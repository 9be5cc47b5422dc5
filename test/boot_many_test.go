package test

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor"
)

// Twenty boots through the whole control plane (conductor, two schedulers,
// three computes) all become active, spread over the hosts by the
// weighers, and each host's ComputeNode and placement provider count
// exactly the instances on it.
func TestBootTwentyInstances(t *testing.T) {
	c := startBootCloud(t, bootOptions{schedulers: 2})
	hosts := []string{"cmp1", "cmp2", "cmp3"}
	for _, h := range hosts {
		c.addCompute(t, h, scaledHost(1))
	}

	// Ten requests of one instance and one of ten, so that both a
	// single and a multi-instance select_destinations run.
	var reqs []conductor.BuildRequest
	for range 20 {
		reqs = append(reqs, buildRequest(bootFlavor()))
	}
	for _, r := range reqs[:10] {
		c.boot(t, r)
	}
	multi := c.boot(t, reqs[10:]...)

	insts := c.awaitSettled(t, uuidsOf(reqs))
	activeByHost, failed := byState(insts)
	for _, i := range failed {
		t.Errorf("instance not active: %s", asJSONObj(t, i))
	}
	if len(activeByHost) != len(hosts) {
		t.Errorf("active instances by host: %s; want all three hosts used (the RAM weigher spreads)", hostCounts(activeByHost))
	}
	for host, is := range activeByHost {
		for _, i := range is {
			if i.Node.Get() != host || i.LaunchedOn.Get() != host || !i.TaskState.IsNull() ||
				i.PowerState.Get() != objects.PowerRunning || i.Fault.Get() != nil ||
				i.MemoryMB.Get() != flavorMemoryMB || i.VCPUs.Get() != flavorVCPUs || i.RootGB.Get() != flavorRootGB {
				t.Errorf("active instance on %s: %s", host, asJSONObj(t, i))
			}
			if _, err := c.drivers[host].Guest(i.UUID.Get()); err != nil {
				t.Errorf("instance %s active on %s but not on its hypervisor: %v", i.UUID.Get(), host, err)
			}
		}
	}
	c.expectUsage(t, activeByHost)

	// The ten instances of the one request share its action's request id.
	for _, r := range reqs[10:] {
		a, err := c.store.Actions.Get(multi, r.InstanceUUID, requestOf(multi))
		if err != nil || a.Action.Get() != conductor.ActionCreate {
			t.Errorf("create action of %s: %v (%v)", r.InstanceUUID, a, err)
		}
		ev := c.awaitEvent(t, multi, r.InstanceUUID, compute.EventBuildAndRunInstance)
		if ev.Result.Get() != objects.EventResultSuccess {
			t.Errorf("compute event of %s: %s", r.InstanceUUID, asJSONObj(t, ev))
		}
	}
	c.noPermissionViolations(t)
}
