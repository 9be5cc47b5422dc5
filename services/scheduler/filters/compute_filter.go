package filters

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// ComputeFilter passes hosts whose nova-compute service is enabled and up
// (nova's ComputeFilter). A disabled service is one an operator took out
// of scheduling; a down one could not build the instance anyway.
type ComputeFilter struct{}

func (ComputeFilter) Name() string { return "ComputeFilter" }

func (ComputeFilter) HostPasses(host *hoststate.HostState, _ *objects.RequestSpec) bool {
	return !host.ServiceDisabled && host.ServiceUp
}

// Explain follows nova's order: disabled is reported before down.
func (ComputeFilter) Explain(host *hoststate.HostState, _ *objects.RequestSpec) string {
	if host.ServiceDisabled {
		if host.DisabledReason != "" {
			return "is disabled, reason: " + host.DisabledReason
		}
		return "is disabled"
	}
	return "has not been heard from in a while"
}

// RunFilterOncePerRequest: host state does not change within a request.
func (ComputeFilter) RunFilterOncePerRequest() bool { return true }
