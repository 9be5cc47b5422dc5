package test

import (
	"context"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/services/compute"
)

// A compute with a NATS connection and a hypervisor, and nothing else,
// registers its Service and ComputeNode and its inventory in placement
// through the conductor before it serves, then reports its state every
// report_interval.
func TestComputeStartRegistersThroughConductor(t *testing.T) {
	c := startComputeCloud(t)
	ctx := objCtx(t)
	drv := c.newHypervisor(t)
	c.startCompute(t, c.computeConfig("cmp1"), drv)

	// Start returns once init_host is done: the records are there.
	svc, err := c.store.Services.Get(ctx, "cmp1", compute.Binary)
	if err != nil {
		t.Fatal(err)
	}
	if svc.Topic.Get() != compute.Topic || svc.Disabled.Get() || svc.ForcedDown.Get() {
		t.Errorf("service record %s", asJSONObj(t, svc))
	}
	cn, err := c.store.ComputeNodes.GetByHostAndNodename(ctx, "cmp1", "cmp1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int{
		"vcpus":          {cn.VCPUs.Get(), cmpVCPUs},
		"memory_mb":      {cn.MemoryMB.Get(), cmpMemoryMB},
		"local_gb":       {cn.LocalGB.Get(), cmpLocalGB},
		"vcpus_used":     {cn.VCPUsUsed.Get(), 0},
		"memory_mb_used": {cn.MemoryMBUsed.Get(), cmpReserved},
		"local_gb_used":  {cn.LocalGBUsed.Get(), 0},
		"free_ram_mb":    {cn.FreeRAMMB.Get(), cmpMemoryMB - cmpReserved},
		"free_disk_gb":   {cn.FreeDiskGB.Get(), cmpLocalGB},
		"running_vms":    {cn.RunningVMs.Get(), 0},
		"service_id":     {cn.ServiceID.Get(), svc.ID.Get()},
	}
	for field, v := range want {
		if v[0] != v[1] {
			t.Errorf("compute node %s = %d, want %d", field, v[0], v[1])
		}
	}
	if cn.HypervisorType.Get() != "sim" || cn.CPUAllocationRatio.Get() != 16.0 || cn.RAMAllocationRatio.Get() != 1.5 || cn.DiskAllocationRatio.Get() != 1.0 {
		t.Errorf("compute node %s", asJSONObj(t, cn))
	}
	prov, err := c.placement.Usage(ctx, placement.Node{Host: "cmp1", Nodename: "cmp1"})
	if err != nil {
		t.Fatal(err)
	}
	wantInv := placement.Inventory{
		Total:    placement.Resources{VCPU: cmpVCPUs, MemoryMB: cmpMemoryMB, DiskGB: cmpLocalGB},
		Reserved: placement.Resources{MemoryMB: cmpReserved},
		Ratios:   placement.AllocationRatios{VCPU: 16.0, MemoryMB: 1.5, DiskGB: 1.0},
	}
	if prov.Inventory != wantInv {
		t.Errorf("placement inventory %+v, want %+v", prov.Inventory, wantInv)
	}

	// State reports: one at start, then one per report_interval of the
	// compute's clock, each through the conductor, which stamps
	// last_seen_up with the store's clock.
	reportCount := func(n int) func() (bool, string) {
		return func() (bool, string) {
			sv, err := c.store.Services.Get(context.Background(), "cmp1", compute.Binary)
			if err != nil {
				return false, err.Error()
			}
			return sv.ReportCount.Get() >= n, asJSONObj(t, sv)
		}
	}
	key := db.KeyOf("cmp1", compute.Binary)
	c.await(t, "services", key, "first state report", reportCount(1))
	// The reporter's ticker and update_available_resource's.
	if err := c.clock.WaitForTickers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	for n := 2; n <= 3; n++ {
		c.clock.Advance(10 * time.Second)
		c.await(t, "services", key, "state report after report_interval", reportCount(n))
	}
	svc, _ = c.store.Services.Get(ctx, "cmp1", compute.Binary)
	if svc.ReportCount.Get() != 3 || !svc.LastSeenUp.Get().Equal(objT0.Add(20*time.Second)) {
		t.Errorf("after two intervals: report_count %d, last_seen_up %v", svc.ReportCount.Get(), svc.LastSeenUp.Get())
	}
	c.noPermissionViolations(t)
}

// A second start of the same host finds its records instead of making new
// ones.
func TestComputeRestartKeepsItsRecords(t *testing.T) {
	c := startComputeCloud(t)
	ctx := objCtx(t)
	drv := c.newHypervisor(t)
	first := c.startCompute(t, c.computeConfig("cmp1"), drv)
	cn1, err := c.store.ComputeNodes.GetByHost(ctx, "cmp1")
	if err != nil {
		t.Fatal(err)
	}
	svc1, _ := c.store.Services.Get(ctx, "cmp1", compute.Binary)
	if err := first.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	c.startCompute(t, c.computeConfig("cmp1"), drv)
	nodes, err := c.store.ComputeNodes.ListByHost(ctx, "cmp1")
	if err != nil || len(nodes) != 1 || nodes[0].UUID.Get() != cn1.UUID.Get() {
		t.Fatalf("after a restart: nodes %v (%v), want the one node %s", nodes, err, cn1.UUID.Get())
	}
	svc2, _ := c.store.Services.Get(ctx, "cmp1", compute.Binary)
	if svc2.ID.Get() != svc1.ID.Get() {
		t.Errorf("service record recreated: id %d, was %d", svc2.ID.Get(), svc1.ID.Get())
	}
	services, _ := c.store.Services.ListByBinary(ctx, compute.Binary)
	if len(services) != 1 {
		t.Errorf("%d nova-compute records, want 1", len(services))
	}
}
