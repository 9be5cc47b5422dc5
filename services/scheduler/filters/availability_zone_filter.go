package filters

import (
	"fmt"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// DefaultAvailabilityZone is nova's default_availability_zone: the zone of
// a host that is in no zone aggregate.
const DefaultAvailabilityZone = "nova"

// AvailabilityZoneFilter passes hosts in the zone the request asks for
// (nova's AvailabilityZoneFilter). A request naming no zone passes every
// host; a host in no zone is in DefaultZone.
type AvailabilityZoneFilter struct {
	// DefaultZone is nova's default_availability_zone.
	DefaultZone string
}

func (AvailabilityZoneFilter) Name() string { return "AvailabilityZoneFilter" }

func (f AvailabilityZoneFilter) HostPasses(host *hoststate.HostState, spec *objects.RequestSpec) bool {
	want, ok := spec.AvailabilityZone.Lookup()
	if !ok || want == "" {
		return true
	}
	return f.hostZone(host) == want
}

func (f AvailabilityZoneFilter) Explain(host *hoststate.HostState, spec *objects.RequestSpec) string {
	return fmt.Sprintf("is in availability zone %q, not the requested %q",
		f.hostZone(host), spec.AvailabilityZone.Get())
}

func (f AvailabilityZoneFilter) hostZone(host *hoststate.HostState) string {
	if host.AvailabilityZone != "" {
		return host.AvailabilityZone
	}
	return f.DefaultZone
}

// RunFilterOncePerRequest: availability zones do not change within a
// request.
func (AvailabilityZoneFilter) RunFilterOncePerRequest() bool { return true }
