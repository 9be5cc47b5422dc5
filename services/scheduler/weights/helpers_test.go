package weights

import "github.com/novanats/novanats/services/scheduler/hoststate"

func host(name string, freeRAM, vcpus, vcpusUsed, freeDiskMB, instances int) *hoststate.HostState {
	return &hoststate.HostState{
		Host: name, Nodename: name,
		TotalUsableRAMMB: 32768, FreeRAMMB: freeRAM,
		VCPUsTotal: vcpus, VCPUsUsed: vcpusUsed, CPUAllocationRatio: 16,
		TotalUsableDiskGB: 1000, FreeDiskMB: freeDiskMB, DiskAllocationRatio: 1,
		NumInstances: instances,
	}
}

func hostNames(ws []WeighedHost) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Host.Host
	}
	return out
}

func f(v float64) *float64 { return &v }
