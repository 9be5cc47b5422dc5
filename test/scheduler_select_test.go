package test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/services/scheduler"
)

var (
	schedBig   = schedHost{name: "cmp-big", vcpus: 16, memMB: 32768, diskGB: 500}
	schedMid   = schedHost{name: "cmp-mid", vcpus: 8, memMB: 16384, diskGB: 200}
	schedSmall = schedHost{name: "cmp-small", vcpus: 4, memMB: 8192, diskGB: 100}
)

// select_destinations over RPC, on hosts from the store: the emptiest host
// is chosen and claimed for the instance, the others come back as
// unclaimed alternates that the conductor can claim from the Selection.
func TestSchedulerSelectDestinationsEndToEnd(t *testing.T) {
	c := startSchedCloud(t)
	cns := map[string]*objects.ComputeNode{}
	for _, h := range []schedHost{schedSmall, schedBig, schedMid} {
		cns[h.name] = c.addHost(t, h)
	}
	c.startScheduler(t, "sched-1")

	spec := schedSpec(2, 2048, 20)
	instance := spec.InstanceUUID.Get()
	sels, err := c.selectOne(t, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(sels) != 1 {
		t.Fatalf("%d selection lists for one instance", len(sels))
	}
	// RAM, CPU and disk weighers all prefer the biggest free host; the
	// alternates follow by weight, max_attempts (3) in all.
	if got := schedHostsOf(sels[0]); len(got) != 3 || got[0] != schedBig.name || got[1] != schedMid.name || got[2] != schedSmall.name {
		t.Fatalf("selections %v, want [cmp-big cmp-mid cmp-small]", got)
	}
	chosen := sels[0][0]
	if chosen.ComputeNodeUUID.Get() != cns[schedBig.name].UUID.Get() || chosen.Nodename.Get() != schedBig.name+".local" {
		t.Errorf("chosen selection names node %s (%s)", chosen.Nodename.Get(), chosen.ComputeNodeUUID.Get())
	}
	// The RamFilter's limit: memory_mb × the default ram_allocation_ratio.
	if lim := chosen.Limits.Get(); lim == nil || lim.MemoryMB.Get() != 32768*3/2 || lim.VCPU.Get() != 16*16 {
		t.Errorf("limits of the chosen host: %v", lim)
	}

	want := placement.Resources{VCPU: 2, MemoryMB: 2048, DiskGB: 20}
	allocs := c.allocations(t)
	if len(allocs) != 1 || len(allocs[instance]) != 1 || allocs[instance][schedNode(schedBig)] != want {
		t.Fatalf("placement after select_destinations: %v, want only %v for the instance on %s", allocs, want, schedBig.name)
	}

	// The build on cmp-big fails: the conductor releases the claim and
	// takes the first alternate, claiming it from the Selection.
	if err := c.placement.Release(schedCtx(t), schedNode(schedBig), instance); err != nil {
		t.Fatal(err)
	}
	if err := c.placement.ClaimSelection(schedCtx(t), instance, sels[0][1]); err != nil {
		t.Fatalf("claiming the alternate: %v", err)
	}
	if got := c.allocations(t)[instance]; len(got) != 1 || got[schedNode(schedMid)] != want {
		t.Errorf("after falling back on the alternate the instance holds %v", got)
	}
	if n := c.serverCalls(t, "sched-1", "select_destinations"); n != 1 {
		t.Errorf("scheduler metrics count %v select_destinations calls, want 1", n)
	}
}

// Several instances in one request: each gets its own claimed host list,
// no claimed host is anyone's alternate, and return_objects=false gets the
// chosen hosts only.
func TestSchedulerMultipleInstances(t *testing.T) {
	c := startSchedCloud(t)
	for _, h := range []schedHost{schedSmall, schedBig, schedMid} {
		c.addHost(t, h)
	}
	c.startScheduler(t, "sched-1")

	spec := schedSpec(2, 6144, 20)
	instances := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
	sels, err := c.api.SelectDestinations(schedCtx(t), scheduler.SelectDestinationsArgs{
		RequestSpec: spec, InstanceUUIDs: instances, ReturnObjects: true, ReturnAlternates: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sels) != len(instances) {
		t.Fatalf("%d lists for %d instances", len(sels), len(instances))
	}
	allocs := c.allocations(t)
	claimed := map[string]bool{}
	for i, list := range sels {
		node := schedSelectedNode(list[0])
		if got := allocs[instances[i]]; len(got) != 1 || got[node] != (placement.Resources{VCPU: 2, MemoryMB: 6144, DiskGB: 20}) {
			t.Errorf("instance %d chose %s but holds %v", i, node, got)
		}
		claimed[node.Host] = true
	}
	for i, list := range sels {
		for _, alt := range list[1:] {
			if claimed[alt.ServiceHost.Get()] {
				t.Errorf("instance %d has claimed host %s as an alternate", i, alt.ServiceHost.Get())
			}
		}
	}
	c.expectNoOverCommit(t)

	// The pre-Queens answer: the chosen host per instance, nothing else.
	more := []string{uuid.NewString(), uuid.NewString()}
	sels, err = c.api.SelectDestinations(schedCtx(t), scheduler.SelectDestinationsArgs{
		RequestSpec: schedSpec(1, 512, 1), InstanceUUIDs: more, ReturnObjects: false, ReturnAlternates: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, list := range sels {
		if len(list) != 1 {
			t.Errorf("return_objects=false: instance %d got %d selections, want 1", i, len(list))
		}
	}
	if len(sels) != 2 || len(c.allocations(t)) != len(instances)+len(more) {
		t.Errorf("return_objects=false placed %d instances; placement has %d consumers", len(sels), len(c.allocations(t)))
	}
}

// A live migration's placement bookkeeping around select_destinations, as
// the conductor will do it: the source allocation moves to the migration,
// the scheduler claims the destination for the instance, and on failure
// both are undone.
func TestSchedulerLiveMigrationClaims(t *testing.T) {
	c := startSchedCloud(t)
	for _, h := range []schedHost{schedSmall, schedBig, schedMid} {
		c.addHost(t, h)
	}
	c.startScheduler(t, "sched-1")
	ctx := schedCtx(t)
	flavor := placement.Resources{VCPU: 2, MemoryMB: 2048, DiskGB: 20}

	// The instance runs on cmp-big, the scheduler's favourite.
	spec := schedSpec(2, 2048, 20)
	instance, migration := spec.InstanceUUID.Get(), uuid.NewString()
	if err := c.placement.Claim(ctx, schedNode(schedBig), instance, flavor); err != nil {
		t.Fatal(err)
	}
	if err := c.placement.Move(ctx, schedNode(schedBig), instance, migration); err != nil {
		t.Fatal(err)
	}
	spec.IgnoreHosts.Set([]string{schedBig.name})
	sels, err := c.selectOne(t, spec)
	if err != nil {
		t.Fatal(err)
	}
	dest := schedSelectedNode(sels[0][0])
	if dest.Host == schedBig.name {
		t.Fatalf("the source %s was chosen as destination", dest.Host)
	}
	allocs := c.allocations(t)
	if allocs[instance][dest] != flavor || len(allocs[instance]) != 1 || allocs[migration][schedNode(schedBig)] != flavor {
		t.Fatalf("during the migration: %v", allocs)
	}
	// The migration fails: the conductor rolls back.
	if err := c.placement.Release(ctx, dest, instance); err != nil {
		t.Fatal(err)
	}
	if err := c.placement.Move(ctx, schedNode(schedBig), migration, instance); err != nil {
		t.Fatal(err)
	}
	allocs = c.allocations(t)
	if len(allocs) != 1 || len(allocs[instance]) != 1 || allocs[instance][schedNode(schedBig)] != flavor {
		t.Errorf("after the rollback: %v, want the instance back on its source alone", allocs)
	}
}
