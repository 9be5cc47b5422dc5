package test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/services/scheduler"
)

// Two schedulers serve 30 concurrent requests for hosts with room for 10
// instances in all. Every request for which room is left when it runs
// gets it, and only those: exactly 10 are placed, 20 get NoValidHost,
// and placement shows no node over its capacity.
//
// The hosts' compute records report no usage throughout, as when the
// instances are still building: only placement knows of the claims.
func TestSchedulerConcurrentRequestsNeverOverCommit(t *testing.T) {
	c := startSchedCloud(t)
	// Memory binds: 1024 MB per instance with ratio 1.0. Room for
	// 2+2+2+2+1+1 = 10.
	var hosts []schedHost
	for i, rooms := range []int{2, 2, 2, 2, 1, 1} {
		hosts = append(hosts, schedHost{name: fmt.Sprintf("cmp%d", i), vcpus: 16, memMB: rooms * 1024, diskGB: 100, ramRatio: 1.0})
	}
	for _, h := range hosts {
		c.addHost(t, h)
	}
	c.startScheduler(t, "sched-1")
	c.startScheduler(t, "sched-2")

	const requests, room = 30, 10
	type result struct {
		instance string
		sels     scheduler.Selections
		err      error
	}
	results := make(chan result, requests)
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	for range requests {
		spec := schedSpec(1, 1024, 1)
		wg.Go(func() {
			<-startGun
			sels, err := c.selectOne(t, spec)
			results <- result{spec.InstanceUUID.Get(), sels, err}
		})
	}
	close(startGun)
	wg.Wait()
	close(results)

	placed := map[string]placement.Node{}
	noValidHost := 0
	for r := range results {
		var nvh *exception.NoValidHost
		switch {
		case r.err == nil:
			placed[r.instance] = schedSelectedNode(r.sels[0][0])
		case errors.As(r.err, &nvh):
			noValidHost++
			schedMustContain(t, "NoValidHost", nvh.Error(), "No valid host was found.", "Filter results:")
		default:
			t.Errorf("request for %s: %v (%T), want a selection or NoValidHost", r.instance, r.err, r.err)
		}
	}
	if len(placed) != room || noValidHost != requests-room {
		t.Errorf("%d placed and %d NoValidHost, want %d and %d", len(placed), noValidHost, room, requests-room)
	}

	c.expectNoOverCommit(t)
	allocs := c.allocations(t)
	if len(allocs) != len(placed) {
		t.Errorf("placement has %d consumers, %d instances were placed", len(allocs), len(placed))
	}
	for instance, node := range placed {
		if got := allocs[instance]; len(got) != 1 || got[node] != (placement.Resources{VCPU: 1, MemoryMB: 1024, DiskGB: 1}) {
			t.Errorf("instance %s was placed on %s but holds %v", instance, node, got)
		}
	}
	// Both schedulers took part (the queue group spreads the calls; the
	// chance that one got all 30 is 2^-29).
	for _, s := range []string{"sched-1", "sched-2"} {
		if n := c.serverCalls(t, s, "select_destinations"); n == 0 {
			t.Errorf("%s served no request", s)
		}
	}
	if n := c.serverCalls(t, "sched-1", "select_destinations") + c.serverCalls(t, "sched-2", "select_destinations"); n != requests {
		t.Errorf("the schedulers served %v requests, want %d", n, requests)
	}
}

// A request for more instances than there is room for is placed whole or
// not at all: what was claimed for the first instances is released.
func TestSchedulerPartialRequestReleasesItsClaims(t *testing.T) {
	c := startSchedCloud(t)
	for _, name := range []string{"cmp-a", "cmp-b"} {
		c.addHost(t, schedHost{name: name, vcpus: 8, memMB: 1024, diskGB: 100, ramRatio: 1.0})
	}
	c.startScheduler(t, "sched-1")
	spec := schedSpec(1, 1024, 1)
	instances := []string{spec.InstanceUUID.Get(), "5b0d4a52-0d42-4a5a-9c6e-4c0e7b3f6a02", "5b0d4a52-0d42-4a5a-9c6e-4c0e7b3f6a03"}
	_, err := c.api.SelectDestinations(schedCtx(t), scheduler.SelectDestinationsArgs{RequestSpec: spec, InstanceUUIDs: instances, ReturnObjects: true})
	var nvh *exception.NoValidHost
	if !errors.As(err, &nvh) {
		t.Fatalf("3 instances on room for 2: %v, want NoValidHost", err)
	}
	schedMustContain(t, "NoValidHost", nvh.Reason, "Placed 2 of 3 instances", "RamFilter: (start: 1, end: 0)")
	if allocs := c.allocations(t); len(allocs) != 0 {
		t.Errorf("claims of the failed request were kept: %v", allocs)
	}
}
