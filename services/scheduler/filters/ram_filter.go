package filters

import (
	"fmt"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// RamFilter passes hosts with enough memory for the flavor after
// oversubscription (nova's RamFilter):
//
//	memory_mb ≥ requested                      (no overcommit against itself)
//	memory_mb × ram_allocation_ratio − (memory_mb − free_ram_mb) ≥ requested
//
// and records memory_mb × ratio as the host's memory limit.
type RamFilter struct{}

func (RamFilter) Name() string { return "RamFilter" }

func (RamFilter) HostPasses(host *hoststate.HostState, spec *objects.RequestSpec) bool {
	req := hoststate.RequestFrom(spec).MemoryMB
	// An instance may overcommit against other instances, never against
	// itself: it cannot have more memory than the host has.
	if host.TotalUsableRAMMB < req {
		return false
	}
	if host.UsableRAMMB() < float64(req) {
		return false
	}
	host.Limits.MemoryMB = hoststate.Limit{Value: host.RAMLimitMB(), Set: true}
	return true
}

func (RamFilter) Explain(host *hoststate.HostState, spec *objects.RequestSpec) string {
	req := hoststate.RequestFrom(spec).MemoryMB
	if host.TotalUsableRAMMB < req {
		return fmt.Sprintf("does not have %d MB usable ram before overcommit, it only has %d MB",
			req, host.TotalUsableRAMMB)
	}
	return fmt.Sprintf("does not have %d MB usable ram, it only has %s MB usable ram",
		req, num(host.UsableRAMMB()))
}
