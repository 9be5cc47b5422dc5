package filters

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// Filter is one of nova's host filters (BaseHostFilter.host_passes).
type Filter interface {
	// Name is the name operators enable the filter by, nova's class
	// name (e.g. "RamFilter"); reports use it too.
	Name() string
	// HostPasses reports whether host can take one instance of spec. A
	// resource filter that passes a host may record the limit it
	// computed in host.Limits, as nova's filters fill host_state.limits.
	HostPasses(host *hoststate.HostState, spec *objects.RequestSpec) bool
}

// Explainer is implemented by filters that can say why they rejected a
// host, nova's per-host debug lines. Run asks only about rejected hosts, so
// Explain may assume HostPasses returned false; it must not change host.
type Explainer interface {
	Explain(host *hoststate.HostState, spec *objects.RequestSpec) string
}

// OncePerRequest is implemented by filters whose verdict cannot change
// between the instances of one request (nova's run_filter_once_per_request):
// a host's zone or service state does not change because the scheduler
// placed an instance elsewhere. RunForIndex skips them after the first
// instance, since the hosts it is given already passed them.
type OncePerRequest interface {
	RunFilterOncePerRequest() bool
}
