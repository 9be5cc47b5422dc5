package hoststate

import "github.com/novanats/novanats/pkg/objects"

// Selection is the answer for one chosen host, after nova's
// Selection.from_host_state: which node, in which cell and zone, with the
// limits the filters computed.
func (h *HostState) Selection() *objects.Selection {
	s := new(objects.Selection)
	s.ServiceHost.Set(h.Host)
	s.Nodename.Set(h.Nodename)
	// uuid-typed fields: leave them unset rather than send "" that the
	// encoder would reject as a malformed uuid.
	if h.UUID != "" {
		s.ComputeNodeUUID.Set(h.UUID)
	}
	if h.CellUUID != "" {
		s.CellUUID.Set(h.CellUUID)
	}
	s.Limits.Set(h.Limits.Object())
	s.AllocationRequest.SetNull()
	s.AllocationRequestVersion.SetNull()
	if h.AvailabilityZone != "" {
		s.AvailabilityZone.Set(h.AvailabilityZone)
	} else {
		s.AvailabilityZone.SetNull()
	}
	return s
}
