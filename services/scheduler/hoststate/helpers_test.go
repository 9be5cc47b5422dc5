package hoststate

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
)

// node describes a compute node for tests; zero ratios mean "not reported".
type node struct {
	host, nodename, uuid, hvType  string
	vcpus, vcpusUsed              int
	memMB, memUsed, freeRAM       int
	localGB, localUsed, freeDisk  int
	least                         *int
	cpuRatio, ramRatio, diskRatio float64
	runningVMs                    int
	noFreeRAM, noFreeDisk, noHost bool
}

func (n node) object() *objects.ComputeNode {
	cn := new(objects.ComputeNode)
	cn.UUID.Set(n.uuid)
	if !n.noHost {
		cn.Host.Set(n.host)
	}
	cn.HypervisorHostname.Set(n.nodename)
	cn.HypervisorType.Set(n.hvType)
	cn.HypervisorVersion.Set(8002000)
	cn.VCPUs.Set(n.vcpus)
	cn.VCPUsUsed.Set(n.vcpusUsed)
	cn.MemoryMB.Set(n.memMB)
	cn.MemoryMBUsed.Set(n.memUsed)
	if !n.noFreeRAM {
		cn.FreeRAMMB.Set(n.freeRAM)
	}
	cn.LocalGB.Set(n.localGB)
	cn.LocalGBUsed.Set(n.localUsed)
	if !n.noFreeDisk {
		cn.FreeDiskGB.Set(n.freeDisk)
	}
	if n.least != nil {
		cn.DiskAvailableLeast.Set(*n.least)
	} else {
		cn.DiskAvailableLeast.SetNull()
	}
	cn.CPUAllocationRatio.Set(n.cpuRatio)
	cn.RAMAllocationRatio.Set(n.ramRatio)
	cn.DiskAllocationRatio.Set(n.diskRatio)
	cn.RunningVMs.Set(n.runningVMs)
	return cn
}

// baseNode is a node with round numbers: 8 vCPUs (2 used), 16 GiB RAM
// (4 GiB used), 100 GB disk (20 used).
func baseNode() node {
	return node{
		host: "cmp1", nodename: "cmp1.local", uuid: "6a1c6bd3-3b5e-4c39-9f59-0c5c2a3b8d01", hvType: "QEMU",
		vcpus: 8, vcpusUsed: 2,
		memMB: 16384, memUsed: 4096, freeRAM: 12288,
		localGB: 100, localUsed: 20, freeDisk: 80,
		runningVMs: 3,
	}
}

func mustNew(t *testing.T, n node, svc Service, az string) *HostState {
	t.Helper()
	h, err := New(n.object(), svc, az, DefaultAllocationRatios())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func spec(memMB, vcpus, rootGB, ephGB, swapMB int, bfv bool) *objects.RequestSpec {
	f := new(objects.Flavor)
	f.MemoryMB.Set(memMB)
	f.VCPUs.Set(vcpus)
	f.RootGB.Set(rootGB)
	f.EphemeralGB.Set(ephGB)
	f.Swap.Set(swapMB)
	s := new(objects.RequestSpec)
	s.InstanceUUID.Set("0d7e3f4a-8f7a-4d5e-9e0f-1a2b3c4d5e6f")
	s.Flavor.Set(f)
	s.IsBFV.Set(bfv)
	return s
}

func intp(v int) *int { return &v }
