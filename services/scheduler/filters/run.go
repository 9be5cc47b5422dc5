package filters

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// Run returns the hosts that can take the first (or only) instance of
// spec, in their given order, and the report of how each step narrowed
// them. It is RunForIndex with index 0.
func Run(fs []Filter, hosts []*hoststate.HostState, spec *objects.RequestSpec) ([]*hoststate.HostState, FilterReport) {
	return RunForIndex(fs, hosts, spec, 0)
}

// RunForIndex filters hosts for the index-th instance of a multi-instance
// request, as nova's get_filtered_hosts(hosts, spec_obj, index) does:
// request constraints first (see narrow), then each filter in order.
// Filters that run once per request are skipped for index > 0, because the
// caller passes the hosts that survived the previous instance's run, which
// already passed them.
//
// Like nova, it stops at the first filter that leaves no host: later
// filters have nothing to judge and are not in the report. The returned
// slice is new; the input slice is not modified. Resource filters record
// limits on the hosts that pass them.
func RunForIndex(fs []Filter, hosts []*hoststate.HostState, spec *objects.RequestSpec, index int) ([]*hoststate.HostState, FilterReport) {
	if spec == nil {
		spec = new(objects.RequestSpec)
	}
	report := FilterReport{InstanceUUID: spec.InstanceUUID.Get(), Start: len(hosts)}
	hosts = append([]*hoststate.HostState(nil), hosts...)

	hosts, done := narrow(hosts, spec, &report)
	if done {
		return hosts, report
	}
	for _, f := range fs {
		if o, ok := f.(OncePerRequest); ok && index > 0 && o.RunFilterOncePerRequest() {
			continue
		}
		step := FilterStep{Name: f.Name(), Start: len(hosts)}
		kept := make([]*hoststate.HostState, 0, len(hosts))
		for _, h := range hosts {
			if f.HostPasses(h, spec) {
				kept = append(kept, h)
				continue
			}
			why := ""
			if e, ok := f.(Explainer); ok && step.wantsReason() {
				why = e.Explain(h, spec)
			}
			step.reject(h, why)
		}
		step.End = len(kept)
		report.Steps = append(report.Steps, step)
		hosts = kept
		if len(hosts) == 0 {
			break
		}
	}
	return hosts, report
}
