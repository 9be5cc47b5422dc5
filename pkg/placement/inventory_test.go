package placement

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

func TestSetInventoryKeepsAllocations(t *testing.T) {
	_, p := start(t)
	ctx := testCtx(t)
	mustSet(t, p, node1, inv(8, 8192, 100))
	mustClaim(t, p, node1, instance, Resources{VCPU: 4, MemoryMB: 4096, DiskGB: 50})
	gen := mustUsage(t, p, node1).Generation

	mustSet(t, p, node1, inv(8, 8192, 100))
	if u := mustUsage(t, p, node1); u.Generation != gen {
		t.Errorf("setting the same inventory moved the generation %d -> %d", gen, u.Generation)
	}
	// The node shrinks below its usage: accepted, allocations kept, and
	// nothing more fits.
	mustSet(t, p, node1, inv(2, 8192, 100))
	u := mustUsage(t, p, node1)
	if u.Allocations[instance].VCPU != 4 || u.Free().VCPU != -2 {
		t.Errorf("after shrinking: allocations %v, free %+v", u.Allocations, u.Free())
	}
	asClaimFailed(t, p.Claim(ctx, node1, other, Resources{VCPU: 1}))

	for name, bad := range map[string]Inventory{
		"zero ratio":       {Total: Resources{VCPU: 1}, Ratios: AllocationRatios{VCPU: 0, MemoryMB: 1, DiskGB: 1}},
		"negative total":   {Total: Resources{VCPU: -1}, Ratios: AllocationRatios{VCPU: 1, MemoryMB: 1, DiskGB: 1}},
		"negative reserve": {Total: Resources{VCPU: 1}, Reserved: Resources{DiskGB: -1}, Ratios: AllocationRatios{VCPU: 1, MemoryMB: 1, DiskGB: 1}},
	} {
		if err := p.SetInventory(ctx, node1, bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if got := mustUsage(t, p, node1).Inventory; got != inv(2, 8192, 100) {
		t.Errorf("rejected inventories changed the record: %+v", got)
	}
}

// Two computes reporting for the first time race to create the record of
// the same node (a re-registered node): both succeed, one record remains.
func TestSetInventoryCreateRace(t *testing.T) {
	s, p1 := start(t)
	p2 := openOn(t, s)
	done := make(chan error, 2)
	for _, p := range []*Placement{p1, p2} {
		go func() { done <- p.SetInventory(testCtx(t), node1, inv(8, 8192, 100)) }()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	all, err := p1.List(testCtx(t))
	if err != nil || len(all) != 1 || all[0].Inventory != inv(8, 8192, 100) {
		t.Fatalf("List = %+v, %v; want the one node", all, err)
	}
}

func TestInventoryFromComputeNode(t *testing.T) {
	cn := new(objects.ComputeNode)
	cn.Host.Set("cmp1")
	cn.HypervisorHostname.Set("cmp1.local")
	cn.VCPUs.Set(16)
	cn.MemoryMB.Set(65536)
	cn.LocalGB.Set(500)
	cn.CPUAllocationRatio.Set(4.0)
	// RAM and disk ratios left at 0: the configured default applies, and
	// where that is 0 too, nova's built-in one.
	got := InventoryFromComputeNode(cn, Resources{MemoryMB: 512}, AllocationRatios{MemoryMB: 1.2})
	want := Inventory{
		Total:    Resources{VCPU: 16, MemoryMB: 65536, DiskGB: 500},
		Reserved: Resources{MemoryMB: 512},
		Ratios:   AllocationRatios{VCPU: 4.0, MemoryMB: 1.2, DiskGB: DefaultDiskAllocationRatio},
	}
	if got != want {
		t.Errorf("inventory %+v, want %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
	if n := NodeOf(cn); n != node1 {
		t.Errorf("NodeOf = %s, want %s", n, node1)
	}
}

// Inventory, allocations and generations survive a restart of the
// (embedded) NATS server on the same store directory.
func TestPersistsAcrossServerRestart(t *testing.T) {
	s, p := start(t)
	mustSet(t, p, src, inv(8, 8192, 100))
	mustSet(t, p, dst, inv(4, 4096, 50))
	mustClaim(t, p, src, instance, Resources{VCPU: 2, MemoryMB: 2048, DiskGB: 20})
	mustClaim(t, p, dst, other, Resources{VCPU: 1, MemoryMB: 1024, DiskGB: 10})
	if err := p.Move(testCtx(t), src, instance, migration); err != nil {
		t.Fatal(err)
	}
	before, err := p.List(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	s.WaitForShutdown()

	s2 := rpctest.StartServer(t, rpctest.WithStoreDir(s.StoreDir))
	p2 := openOn(t, s2)
	after, err := p2.List(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 2 || len(before) != 2 {
		t.Fatalf("%d providers before restart, %d after", len(before), len(after))
	}
	for i := range after {
		b, a := before[i], after[i]
		if a.Node != b.Node || a.Inventory != b.Inventory || a.Generation != b.Generation || a.Used() != b.Used() || len(a.Allocations) != len(b.Allocations) {
			t.Errorf("provider %s changed across restart:\nbefore %+v\nafter  %+v", b.Node, b, a)
		}
		for c, r := range b.Allocations {
			if a.Allocations[c] != r {
				t.Errorf("%s: %s holds %v after restart, %v before", b.Node, c, a.Allocations[c], r)
			}
		}
	}
	// Allocations are still found by consumer, and claims still check
	// capacity.
	held, err := p2.Allocations(testCtx(t), migration)
	if err != nil || len(held) != 1 {
		t.Errorf("migration's allocations after restart: %v, %v", held, err)
	}
	asClaimFailed(t, p2.Claim(testCtx(t), dst, "new", Resources{VCPU: 4}))
}
