package filters

import (
	"strings"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// Names of the steps narrow records in a FilterReport. They are not filters
// an operator enables: nova applies these request constraints in
// HostManager.get_filtered_hosts before any filter runs.
const (
	StepRequestedDestination = "RequestedDestination"
	StepIgnoreHosts          = "IgnoreHosts"
	StepForceHosts           = "ForceHosts"
	StepForceNodes           = "ForceNodes"
)

// narrow applies the hosts and nodes the request itself names, in nova's
// order: the requested destination (live-migrate or evacuate --host, boot
// with host/node since API 2.74), then ignore_hosts (e.g. the source of a
// migration), then force_hosts / force_nodes (the admin's az:host:node).
//
// It reports done when the filters must not run: ignore_hosts left nothing,
// or the request forces hosts, which nova places on without filtering.
func narrow(hosts []*hoststate.HostState, spec *objects.RequestSpec, report *FilterReport) (_ []*hoststate.HostState, done bool) {
	if d, ok := spec.RequestedDestination.Lookup(); ok && d != nil && d.Host.IsSet() {
		host := d.Host.Get()
		node, _ := d.Node.Lookup()
		hosts = keep(report, StepRequestedDestination, hosts, func(h *hoststate.HostState) (bool, string) {
			if h.Host == host && (node == "" || h.Nodename == node) {
				return true, ""
			}
			if node == "" {
				return false, "is not the requested destination host " + host
			}
			return false, "is not the requested destination (" + host + ", " + node + ")"
		})
	}

	if ignore, _ := spec.IgnoreHosts.Lookup(); len(ignore) > 0 {
		// Host names compare case-insensitively, as in nova: they come
		// from users and DNS, where case carries no meaning.
		ignored := lowerSet(ignore)
		hosts = keep(report, StepIgnoreHosts, hosts, func(h *hoststate.HostState) (bool, string) {
			if ignored[strings.ToLower(h.Host)] {
				return false, "is in ignore_hosts"
			}
			return true, ""
		})
		if len(hosts) == 0 {
			return hosts, true
		}
	}

	forceHosts, _ := spec.ForceHosts.Lookup()
	forceNodes, _ := spec.ForceNodes.Lookup()
	if len(forceHosts) > 0 {
		forced := lowerSet(forceHosts)
		hosts = keep(report, StepForceHosts, hosts, func(h *hoststate.HostState) (bool, string) {
			if forced[strings.ToLower(h.Host)] {
				return true, ""
			}
			return false, "is not in force_hosts"
		})
	}
	if len(forceNodes) > 0 {
		// Node names are matched exactly, as nova does.
		forced := make(map[string]bool, len(forceNodes))
		for _, n := range forceNodes {
			forced[n] = true
		}
		hosts = keep(report, StepForceNodes, hosts, func(h *hoststate.HostState) (bool, string) {
			if forced[h.Nodename] {
				return true, ""
			}
			return false, "is not in force_nodes"
		})
	}
	if len(forceHosts) > 0 || len(forceNodes) > 0 {
		report.Forced = true
		return hosts, true
	}
	return hosts, false
}

// keep runs one narrowing step and records it as a prefilter step.
func keep(report *FilterReport, name string, hosts []*hoststate.HostState, pass func(*hoststate.HostState) (bool, string)) []*hoststate.HostState {
	step := FilterStep{Name: name, Start: len(hosts), Prefilter: true}
	kept := make([]*hoststate.HostState, 0, len(hosts))
	for _, h := range hosts {
		ok, why := pass(h)
		if ok {
			kept = append(kept, h)
			continue
		}
		step.reject(h, why)
	}
	step.End = len(kept)
	report.Steps = append(report.Steps, step)
	return kept
}

func lowerSet(names []string) map[string]bool {
	s := make(map[string]bool, len(names))
	for _, n := range names {
		s[strings.ToLower(n)] = true
	}
	return s
}
