package test

import (
	"strings"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/conductor"
)

// The conductor's placement methods for computes: an inventory lands in
// placement, a release is idempotent, and bad input is refused with a
// reason.
func TestConductorPlacementForComputes(t *testing.T) {
	c := startComputeCloud(t)
	ctx := objCtx(t)
	api, err := conductor.NewAPI(c.computeNC)
	if err != nil {
		t.Fatal(err)
	}
	node := placement.Node{Host: "cmp7", Nodename: "cmp7"}
	inv := placement.Inventory{
		Total:  placement.Resources{VCPU: 8, MemoryMB: 4096, DiskGB: 100},
		Ratios: placement.AllocationRatios{VCPU: 4, MemoryMB: 1, DiskGB: 1},
	}
	if err := api.UpdateComputeInventory(ctx, node, inv); err != nil {
		t.Fatal(err)
	}
	if p, err := c.placement.Usage(ctx, node); err != nil || p.Inventory != inv {
		t.Fatalf("inventory in placement %+v (%v)", p.Inventory, err)
	}
	if err := c.placement.Claim(ctx, node, "inst-1", placement.Resources{VCPU: 1, MemoryMB: 512}); err != nil {
		t.Fatal(err)
	}
	released, err := api.DeleteAllocationForInstance(ctx, "inst-1")
	if err != nil || len(released) != 1 || released[0] != node {
		t.Fatalf("release: %v (%v)", released, err)
	}
	if released, err := api.DeleteAllocationForInstance(ctx, "inst-1"); err != nil || len(released) != 0 {
		t.Fatalf("second release: %v (%v), want nothing released and no error", released, err)
	}

	bad := inv
	bad.Ratios.VCPU = 0
	if err := api.UpdateComputeInventory(ctx, node, bad); err == nil || !strings.Contains(err.Error(), "allocation ratio") {
		t.Errorf("inventory with a zero ratio: %v", err)
	}
	if err := api.UpdateComputeInventory(ctx, placement.Node{Host: "cmp7"}, inv); err == nil || !strings.Contains(err.Error(), "node name") {
		t.Errorf("inventory without a node name: %v", err)
	}
	if _, err := api.DeleteAllocationForInstance(ctx, ""); err == nil || !strings.Contains(err.Error(), "instance_uuid") {
		t.Errorf("release without an instance: %v", err)
	}
}

// A conductor whose DB was opened without placement's bucket says so
// instead of failing obscurely.
func TestConductorWithoutPlacementBucket(t *testing.T) {
	c := startCloud(t) // store buckets only
	api, err := conductor.NewAPI(c.computeNC, rpc.Timeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	_, err = api.DeleteAllocationForInstance(objCtx(t), newObjUUID())
	if err == nil || !strings.Contains(err.Error(), "placement.Bucket()") {
		t.Fatalf("release on a conductor without placement: %v", err)
	}
}
