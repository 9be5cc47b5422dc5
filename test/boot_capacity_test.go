package test

import (
	"context"
	"sync"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/conductor"
)

// Thirty boots at once, through two schedulers, onto hosts with room for
// ten: exactly ten become active, no host takes more than it has room
// for, and the other twenty end in ERROR with a NoValidHost fault and no
// claim left behind.
func TestBootCapacityRace(t *testing.T) {
	c := startBootCloud(t, bootOptions{schedulers: 2})
	// Memory is what runs out: room for 4, 3 and 3 instances of
	// bootFlavor after the 512 MB the host keeps, with less than one
	// instance's worth left over. vCPUs (16 × 4.0) and disk (500 GB)
	// have room for more than that.
	room := map[string]int{"cmp1": 4, "cmp2": 3, "cmp3": 3}
	for h, n := range room {
		c.addCompute(t, h, hostSize{vcpus: cmpVCPUs, memoryMB: cmpReserved + n*flavorMemoryMB + flavorMemoryMB/2, localGB: cmpLocalGB})
	}

	reqs := make([]conductor.BuildRequest, 30)
	ctxs := make(map[string]context.Context, len(reqs))
	for i := range reqs {
		reqs[i] = buildRequest(bootFlavor())
		ctxs[reqs[i].InstanceUUID] = apiContext(t)
	}
	var wg sync.WaitGroup
	for _, r := range reqs {
		wg.Go(func() {
			if err := c.tasks.ScheduleAndBuildInstances(ctxs[r.InstanceUUID], []conductor.BuildRequest{r}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	insts := c.awaitSettled(t, uuidsOf(reqs))
	activeByHost, failed := byState(insts)
	active := 0
	for host, is := range activeByHost {
		active += len(is)
		if len(is) > room[host] {
			t.Errorf("%s runs %d instances, has room for %d", host, len(is), room[host])
		}
	}
	if active != 10 || len(failed) != 20 {
		t.Fatalf("%d active (%s), %d not; want 10 and 20", active, hostCounts(activeByHost), len(failed))
	}
	for _, i := range failed {
		c.expectNoValidHost(t, ctxs[i.UUID.Get()], i)
	}
	c.expectUsage(t, activeByHost)
	for _, is := range activeByHost {
		for _, i := range is {
			if i.Fault.Get() != nil || i.PowerState.Get() != objects.PowerRunning {
				t.Errorf("active instance %s", asJSONObj(t, i))
			}
		}
	}
}
