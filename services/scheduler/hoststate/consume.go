package hoststate

import "github.com/novanats/novanats/pkg/objects"

// ConsumeFromRequest takes one instance of spec off the host, as nova's
// HostState.consume_from_request does after the scheduler picks this host
// for it. Without it, the next instance of a multi-instance request would
// see the host as empty as before and could be put on it although it is
// now full.
//
// Only the free amounts and counts change; totals, ratios and limits stay.
// Disk is root (unless boot-from-volume) + ephemeral without swap, matching
// the compute's own accounting (see Request.ConsumedDiskMB).
func (h *HostState) ConsumeFromRequest(spec *objects.RequestSpec) {
	r := RequestFrom(spec)
	h.FreeRAMMB -= r.MemoryMB
	h.FreeDiskMB -= r.ConsumedDiskMB()
	h.VCPUsUsed += r.VCPUs
	h.NumInstances++
}
