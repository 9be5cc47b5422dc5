package filters

import (
	"fmt"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// CoreFilter passes hosts with enough vCPUs after oversubscription (nova's
// CoreFilter):
//
//	vcpus ≥ requested                                   (no overcommit against itself)
//	vcpus × cpu_allocation_ratio − vcpus_used ≥ requested
//
// A host reporting no vCPUs passes: nova's fail-safe for a driver that
// cannot count them, rather than making the host unusable.
type CoreFilter struct{}

func (CoreFilter) Name() string { return "CoreFilter" }

func (CoreFilter) HostPasses(host *hoststate.HostState, spec *objects.RequestSpec) bool {
	if host.VCPUsTotal == 0 {
		return true
	}
	req := hoststate.RequestFrom(spec).VCPUs
	// nova records the limit before deciding, and only when the driver
	// reports a meaningful count.
	if limit := host.VCPULimit(); limit > 0 {
		host.Limits.VCPU = hoststate.Limit{Value: limit, Set: true}
		if req > host.VCPUsTotal {
			return false
		}
	}
	return host.FreeVCPUs() >= float64(req)
}

func (CoreFilter) Explain(host *hoststate.HostState, spec *objects.RequestSpec) string {
	req := hoststate.RequestFrom(spec).VCPUs
	if host.VCPULimit() > 0 && req > host.VCPUsTotal {
		return fmt.Sprintf("does not have %d total cpus before overcommit, it only has %d",
			req, host.VCPUsTotal)
	}
	return fmt.Sprintf("does not have %d usable vcpus, it only has %s usable vcpus",
		req, num(host.FreeVCPUs()))
}
