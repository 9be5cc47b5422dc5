package filters

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

const instanceUUID = "0d7e3f4a-8f7a-4d5e-9e0f-1a2b3c4d5e6f"

// host returns an up, enabled host with room to spare and nova's default
// ratios; tests change what they exercise.
func host(name string) *hoststate.HostState {
	return &hoststate.HostState{
		Host: name, Nodename: name + ".node", HypervisorType: "QEMU",
		VCPUsTotal: 8, VCPUsUsed: 0,
		TotalUsableRAMMB: 16384, FreeRAMMB: 16384,
		TotalUsableDiskGB: 100, FreeDiskMB: 100 * 1024,
		CPUAllocationRatio: 16, RAMAllocationRatio: 1.5, DiskAllocationRatio: 1.0,
		ServiceUp: true,
	}
}

func flavor(memMB, vcpus, rootGB, ephGB, swapMB int) *objects.Flavor {
	f := new(objects.Flavor)
	f.MemoryMB.Set(memMB)
	f.VCPUs.Set(vcpus)
	f.RootGB.Set(rootGB)
	f.EphemeralGB.Set(ephGB)
	f.Swap.Set(swapMB)
	f.ExtraSpecs.Set(map[string]string{})
	return f
}

func specFor(f *objects.Flavor) *objects.RequestSpec {
	s := new(objects.RequestSpec)
	s.InstanceUUID.Set(instanceUUID)
	s.Flavor.Set(f)
	return s
}

func names(hs []*hoststate.HostState) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Host
	}
	return out
}

// counting is a filter that records how often it ran and passes what
// pass says.
type counting struct {
	name  string
	calls int
	pass  func(*hoststate.HostState) bool
	once  bool
}

func (c *counting) Name() string { return c.name }
func (c *counting) HostPasses(h *hoststate.HostState, _ *objects.RequestSpec) bool {
	c.calls++
	return c.pass(h)
}
func (c *counting) RunFilterOncePerRequest() bool { return c.once }
