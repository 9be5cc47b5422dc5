package test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
)

// update_available_resource runs every update_resources_interval and
// recounts the node's usage from the instance records, so usage changed
// behind the compute's back (an instance record placed or removed by
// someone else) is corrected at the next run; a changed reservation
// reaches placement's inventory.
func TestUpdateAvailableResourceRecounts(t *testing.T) {
	c := startComputeCloud(t)
	ctx := objCtx(t)
	drv := c.newHypervisor(t)
	c.startCompute(t, c.computeConfig("cmp1"), drv)
	c.buildActive(t, "cmp1")
	c.awaitNode(t, "cmp1", "usage of the built instance", usedNode(1))

	// Two records placed here without the compute: counted at the next
	// run, not before.
	var placed []*objects.Instance
	for range 2 {
		placed = append(placed, c.placeRecord(t, "cmp1", objects.VMStateActive, ""))
	}
	// An instance of another host does not count.
	other := c.placeRecord(t, "cmp9", objects.VMStateActive, "")
	if cn, _ := c.store.ComputeNodes.GetByHost(ctx, "cmp1"); cn.RunningVMs.Get() != 1 {
		t.Fatalf("usage changed before the periodic task ran: %s", asJSONObj(t, cn))
	}
	// The reporter's ticker and update_available_resource's.
	if err := c.clock.WaitForTickers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	c.clock.Advance(60 * time.Second)
	c.awaitNode(t, "cmp1", "usage recounted after update_resources_interval", usedNode(3))

	// Deleted records stop counting at the next run.
	if err := c.store.Instances.Destroy(ctx, other); err != nil {
		t.Fatal(err)
	}
	for _, inst := range placed {
		if _, err := c.store.Instances.Update(ctx, inst.UUID.Get(), func(i *objects.Instance) error {
			i.VMState.Set(objects.VMStateDeleted)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	c.clock.Advance(60 * time.Second)
	c.awaitNode(t, "cmp1", "deleted instances no longer counted", usedNode(1))
}

// The inventory a compute reports follows its configuration: reserved
// host resources and allocation ratios.
func TestInventoryFollowsConfiguration(t *testing.T) {
	c := startComputeCloud(t)
	ctx := objCtx(t)
	cfg := c.computeConfig("cmp1")
	cfg.ReservedHostMemoryMB = 1024
	cfg.ReservedHostDiskMB = 1536 // rounded up to 2 GB in placement
	cfg.ReservedHostCPUs = 2
	cfg.CPUAllocationRatio = 8.0
	c.startCompute(t, cfg, c.newHypervisor(t))
	prov, err := c.placement.Usage(ctx, placement.Node{Host: "cmp1", Nodename: "cmp1"})
	if err != nil {
		t.Fatal(err)
	}
	want := placement.Inventory{
		Total:    placement.Resources{VCPU: cmpVCPUs, MemoryMB: cmpMemoryMB, DiskGB: cmpLocalGB},
		Reserved: placement.Resources{VCPU: 2, MemoryMB: 1024, DiskGB: 2},
		Ratios:   placement.AllocationRatios{VCPU: 8.0, MemoryMB: 1.5, DiskGB: 1.0},
	}
	if prov.Inventory != want {
		t.Errorf("inventory %+v, want %+v", prov.Inventory, want)
	}
	cn, err := c.store.ComputeNodes.GetByHost(ctx, "cmp1")
	if err != nil {
		t.Fatal(err)
	}
	// nova counts the reservations as used on the node (disk rounded
	// down there, as nova stores local_gb_used as an integer).
	if cn.VCPUsUsed.Get() != 2 || cn.MemoryMBUsed.Get() != 1024 || cn.LocalGBUsed.Get() != 1 || cn.CPUAllocationRatio.Get() != 8.0 {
		t.Errorf("node %s", asJSONObj(t, cn))
	}
}

// The compute reports its inventory again, unchanged, once the last report
// is older than nova's resource_provider_association_refresh (300 s), so a
// placement record rewritten behind its back is put right; before that it
// trusts placement and sends nothing.
func TestInventoryReportedAgainAfterRefresh(t *testing.T) {
	c := startComputeCloud(t)
	ctx := objCtx(t)
	c.startCompute(t, c.computeConfig("cmp1"), c.newHypervisor(t))
	node := placement.Node{Host: "cmp1", Nodename: "cmp1"}
	good, err := c.placement.Usage(ctx, node)
	if err != nil {
		t.Fatal(err)
	}
	bogus := good.Inventory
	bogus.Total.VCPU = 1
	if err := c.placement.SetInventory(ctx, node, bogus); err != nil {
		t.Fatal(err)
	}
	if err := c.clock.WaitForTickers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	// Two runs, each seen through the usage it recounts; the first has
	// certainly finished (inventory included) when the second's usage
	// shows.
	for n := 1; n <= 2; n++ {
		c.placeRecord(t, "cmp1", objects.VMStateActive, "")
		c.clock.Advance(60 * time.Second)
		c.awaitNode(t, "cmp1", "usage recounted", func(cn *objects.ComputeNode) bool { return cn.RunningVMs.Get() == n })
	}
	if p, _ := c.placement.Usage(ctx, node); p.Inventory != bogus {
		t.Fatalf("inventory reported again before the refresh interval: %+v", p.Inventory)
	}
	c.clock.Advance(180 * time.Second)
	c.await(t, placement.BucketName, db.KeyOf("cmp1", "cmp1"), "inventory reported again", func() (bool, string) {
		p, err := c.placement.Usage(context.Background(), node)
		if err != nil {
			return false, err.Error()
		}
		return p.Inventory == good.Inventory, fmt.Sprintf("%+v", p.Inventory)
	})
}
