package filters

import (
	"fmt"
	"strings"

	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// NotEnoughHostsReason is the reason nova's scheduler gives NoValidHost
// when it cannot place every instance of a request. nova keeps the
// per-filter detail out of it, in the scheduler's log, so as not to tell
// users about the cloud's hosts; see FilterReport.NoValidHostReason for the
// operator-facing form.
const NotEnoughHostsReason = "There are not enough hosts available."

// MaxRejectionsPerStep bounds the rejected hosts a step keeps with their
// reasons: enough to debug a request, without a filter that rejects most of
// a large cloud making the report as large as the cloud. Counts are exact
// regardless.
const MaxRejectionsPerStep = 20

// FilterReport tells how filtering narrowed the hosts for one request.
type FilterReport struct {
	// InstanceUUID is the request's instance, for the log line.
	InstanceUUID string
	// Start is how many hosts filtering was given.
	Start int
	// Steps are the request constraints and filters that ran, in order.
	Steps []FilterStep
	// Forced is set when the request forced hosts or nodes, so no filter
	// ran (nova places forced requests without filtering).
	Forced bool
}

// FilterStep is one filter's (or request constraint's) effect.
type FilterStep struct {
	Name string
	// Start and End are the host counts before and after the step.
	Start, End int
	// Prefilter marks a request constraint (RequestedDestination,
	// IgnoreHosts, ForceHosts, ForceNodes) rather than an enabled filter.
	Prefilter bool
	// Rejected lists the first MaxRejectionsPerStep hosts the step
	// removed, with the filter's reason when it gives one.
	Rejected []Rejection
}

// Rejection is one host a step removed.
type Rejection struct {
	Host, Nodename string
	Reason         string
}

// Removed is how many hosts the step removed.
func (s FilterStep) Removed() int { return s.Start - s.End }

func (s *FilterStep) wantsReason() bool { return len(s.Rejected) < MaxRejectionsPerStep }

func (s *FilterStep) reject(h *hoststate.HostState, why string) {
	if s.wantsReason() {
		s.Rejected = append(s.Rejected, Rejection{Host: h.Host, Nodename: h.Nodename, Reason: why})
	}
}

// Passed is how many hosts came out of the last step.
func (r FilterReport) Passed() int {
	if len(r.Steps) == 0 {
		return r.Start
	}
	return r.Steps[len(r.Steps)-1].End
}

// Step returns the step of the given name, if it ran.
func (r FilterReport) Step(name string) (FilterStep, bool) {
	for _, s := range r.Steps {
		if s.Name == name {
			return s, true
		}
	}
	return FilterStep{}, false
}

// Results is nova's "Filter results" list: each step with its host counts,
// e.g. ['ComputeFilter: (start: 3, end: 2)', 'RamFilter: (start: 2, end: 0)'].
func (r FilterReport) Results() string {
	parts := make([]string, len(r.Steps))
	for i, s := range r.Steps {
		parts[i] = fmt.Sprintf("'%s: (start: %d, end: %d)'", s.Name, s.Start, s.End)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// String is the scheduler's log line for the request, worded as nova's
// when filtering removed every host.
func (r FilterReport) String() string {
	var b strings.Builder
	if r.Passed() == 0 {
		fmt.Fprintf(&b, "Filtering removed all hosts for the request with instance ID '%s'.", r.InstanceUUID)
	} else {
		fmt.Fprintf(&b, "Filtering kept %d of %d hosts for the request with instance ID '%s'.",
			r.Passed(), r.Start, r.InstanceUUID)
	}
	fmt.Fprintf(&b, " Filter results: %s", r.Results())
	if r.Forced {
		b.WriteString(" (hosts forced: filters skipped)")
	}
	return b.String()
}

// NoValidHostReason is nova's NoValidHost reason followed by the filter
// results, for operators: "There are not enough hosts available.
// Filtering removed all hosts for the request with instance ID '...'.
// Filter results: [...]". A caller answering end users may prefer the bare
// NotEnoughHostsReason, as nova does.
func (r FilterReport) NoValidHostReason() string {
	return NotEnoughHostsReason + " " + r.String()
}

// Detail lists each rejected host with its reason, one per line, for a
// debug log (nova logs the full per-host results only at debug level).
func (r FilterReport) Detail() string {
	var b strings.Builder
	for _, s := range r.Steps {
		for _, rej := range s.Rejected {
			fmt.Fprintf(&b, "%s: (%s, %s)", s.Name, rej.Host, rej.Nodename)
			if rej.Reason != "" {
				b.WriteString(" " + rej.Reason)
			}
			b.WriteByte('\n')
		}
		if n := s.Removed() - len(s.Rejected); n > 0 {
			fmt.Fprintf(&b, "%s: ... and %d more\n", s.Name, n)
		}
	}
	return b.String()
}
