package scheduler

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// ResourcesFromSpec is what one instance of spec claims in placement,
// nova's resources_from_request_spec: the flavor's vCPUs and memory, and
// as disk the root disk (none when booting from volume), the ephemeral
// disk and the swap rounded up to whole GB.
//
// The DiskFilter counts swap in MB while the claim rounds it up, so the
// claim is never smaller than what the filter checked.
func ResourcesFromSpec(spec *objects.RequestSpec) placement.Resources {
	r := hoststate.RequestFrom(spec)
	return placement.Resources{
		VCPU:     r.VCPUs,
		MemoryMB: r.MemoryMB,
		DiskGB:   r.LocalRootGB() + r.EphemeralGB + (r.SwapMB+1023)/1024,
	}
}

// nodeOf is the placement provider a host state stands for.
func nodeOf(h *hoststate.HostState) placement.Node {
	return placement.Node{Host: h.Host, Nodename: h.Nodename}
}

// selectionFor is the Selection of h for one instance asking for res,
// carrying the allocation request that claims res on h, so a conductor
// falling back on an alternate can claim it as nova's does.
func selectionFor(h *hoststate.HostState, res placement.Resources) (*objects.Selection, error) {
	sel := h.Selection()
	ar, err := placement.AllocationRequest{Allocations: []placement.NodeAllocation{{Node: nodeOf(h), Resources: res}}}.Encode()
	if err != nil {
		return nil, err
	}
	sel.AllocationRequest.Set(ar)
	sel.AllocationRequestVersion.Set(placement.AllocationRequestVersion)
	return sel, nil
}
