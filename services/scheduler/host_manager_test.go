package scheduler

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// hostWithUsage is a host whose compute reports the given usage, with
// ratio 1 everywhere so the numbers stay readable.
func hostWithUsage(t *testing.T, vcpus, vcpusUsed, memMB, memUsed, diskGB, diskUsed int) *hoststate.HostState {
	t.Helper()
	cn := new(objects.ComputeNode)
	cn.UUID.Set("c0ffee00-0000-4000-8000-000000000001")
	cn.Host.Set("cmp1")
	cn.HypervisorHostname.Set("cmp1.local")
	cn.VCPUs.Set(vcpus)
	cn.VCPUsUsed.Set(vcpusUsed)
	cn.MemoryMB.Set(memMB)
	cn.MemoryMBUsed.Set(memUsed)
	cn.FreeRAMMB.Set(memMB - memUsed)
	cn.LocalGB.Set(diskGB)
	cn.LocalGBUsed.Set(diskUsed)
	cn.FreeDiskGB.Set(diskGB - diskUsed)
	cn.CPUAllocationRatio.Set(1)
	cn.RAMAllocationRatio.Set(1)
	cn.DiskAllocationRatio.Set(1)
	h, err := hoststate.New(cn, hoststate.Service{Up: true}, "", hoststate.DefaultAllocationRatios())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func provider(total, reserved placement.Resources, allocs ...placement.Resources) placement.Provider {
	p := placement.Provider{
		Node:        placement.Node{Host: "cmp1", Nodename: "cmp1.local"},
		Inventory:   placement.Inventory{Total: total, Reserved: reserved, Ratios: placement.AllocationRatios{VCPU: 1, MemoryMB: 1, DiskGB: 1}},
		Allocations: map[string]placement.Resources{},
	}
	for i, a := range allocs {
		p.Allocations[string(rune('a'+i))] = a
	}
	return p
}

// The filters see, per resource, the tighter of the compute's report and
// placement, in placement's arithmetic when placement is tighter.
func TestApplyPlacementTakesTheTighterView(t *testing.T) {
	total := placement.Resources{VCPU: 8, MemoryMB: 8192, DiskGB: 100}

	// Claims the compute has not reported yet: placement is tighter.
	h := hostWithUsage(t, 8, 0, 8192, 0, 100, 0)
	applyPlacement(h, provider(total, placement.Resources{MemoryMB: 512}, placement.Resources{VCPU: 3, MemoryMB: 2048, DiskGB: 30}))
	if h.FreeVCPUs() != 5 || h.UsableRAMMB() != 8192-512-2048 || h.UsableDiskMB() != 70*1024 {
		t.Errorf("placement tighter: free vcpus %v, usable ram %v, usable disk %v", h.FreeVCPUs(), h.UsableRAMMB(), h.UsableDiskMB())
	}
	if h.NumInstances != 1 {
		t.Errorf("instances %d, want the 1 allocation counted", h.NumInstances)
	}

	// Usage placement does not know of: the compute's report is
	// tighter, resource by resource.
	h = hostWithUsage(t, 8, 6, 8192, 1024, 100, 90)
	applyPlacement(h, provider(total, placement.Resources{}, placement.Resources{VCPU: 1, MemoryMB: 4096, DiskGB: 1}))
	if h.FreeVCPUs() != 2 || h.UsableRAMMB() != 4096 || h.UsableDiskMB() != 10*1024 {
		t.Errorf("mixed: free vcpus %v (want 2, compute's), usable ram %v (want 4096, placement's), usable disk %v (want 10240, compute's)",
			h.FreeVCPUs(), h.UsableRAMMB(), h.UsableDiskMB())
	}
}

func TestResourcesFromSpec(t *testing.T) {
	for _, c := range []struct {
		name                  string
		vcpus, mem, root, eph int
		swap                  int
		bfv                   bool
		want                  placement.Resources
	}{
		{"plain", 2, 2048, 20, 0, 0, false, placement.Resources{VCPU: 2, MemoryMB: 2048, DiskGB: 20}},
		{"ephemeral and swap rounded up", 1, 512, 10, 5, 1, false, placement.Resources{VCPU: 1, MemoryMB: 512, DiskGB: 16}},
		{"swap of exactly 2 GB", 1, 512, 10, 0, 2048, false, placement.Resources{VCPU: 1, MemoryMB: 512, DiskGB: 12}},
		{"boot from volume", 4, 4096, 40, 2, 0, true, placement.Resources{VCPU: 4, MemoryMB: 4096, DiskGB: 2}},
	} {
		f := new(objects.Flavor)
		f.VCPUs.Set(c.vcpus)
		f.MemoryMB.Set(c.mem)
		f.RootGB.Set(c.root)
		f.EphemeralGB.Set(c.eph)
		f.Swap.Set(c.swap)
		s := new(objects.RequestSpec)
		s.Flavor.Set(f)
		s.IsBFV.Set(c.bfv)
		if got := ResourcesFromSpec(s); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
