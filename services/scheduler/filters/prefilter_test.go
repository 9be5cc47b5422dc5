package filters

import (
	"slices"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// cluster has hosts a (two nodes), B and c.
func cluster() []*hoststate.HostState {
	a1, a2 := host("a"), host("a")
	a1.Nodename, a2.Nodename = "a-n1", "a-n2"
	return []*hoststate.HostState{a1, a2, host("B"), host("c")}
}

func nodes(hs []*hoststate.HostState) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Nodename
	}
	return out
}

func destination(host, node string) *objects.Destination {
	d := new(objects.Destination)
	d.Host.Set(host)
	if node != "" {
		d.Node.Set(node)
	} else {
		d.Node.SetNull()
	}
	return d
}

func TestPrefilters(t *testing.T) {
	rejectAll := func() *counting {
		return &counting{name: "RejectAll", pass: func(*hoststate.HostState) bool { return false }}
	}
	passAll := func() *counting {
		return &counting{name: "PassAll", pass: func(*hoststate.HostState) bool { return true }}
	}
	cases := []struct {
		name         string
		set          func(*objects.RequestSpec)
		filter       *counting
		wantNodes    []string
		wantSteps    []string
		wantForced   bool
		filterCalled bool
	}{
		{
			name:      "requested destination host: all its nodes",
			set:       func(s *objects.RequestSpec) { s.RequestedDestination.Set(destination("a", "")) },
			filter:    passAll(),
			wantNodes: []string{"a-n1", "a-n2"}, wantSteps: []string{StepRequestedDestination, "PassAll"}, filterCalled: true,
		},
		{
			name:      "requested destination host and node",
			set:       func(s *objects.RequestSpec) { s.RequestedDestination.Set(destination("a", "a-n2")) },
			filter:    passAll(),
			wantNodes: []string{"a-n2"}, wantSteps: []string{StepRequestedDestination, "PassAll"}, filterCalled: true,
		},
		{
			name:      "requested destination still filtered",
			set:       func(s *objects.RequestSpec) { s.RequestedDestination.Set(destination("c", "")) },
			filter:    rejectAll(),
			wantNodes: []string{}, wantSteps: []string{StepRequestedDestination, "RejectAll"}, filterCalled: true,
		},
		{
			name:      "null requested destination does nothing",
			set:       func(s *objects.RequestSpec) { s.RequestedDestination.SetNull() },
			filter:    passAll(),
			wantNodes: []string{"a-n1", "a-n2", "B.node", "c.node"}, wantSteps: []string{"PassAll"}, filterCalled: true,
		},
		{
			name:      "ignore hosts, case-insensitively, every node of them",
			set:       func(s *objects.RequestSpec) { s.IgnoreHosts.Set([]string{"A", "b"}) },
			filter:    passAll(),
			wantNodes: []string{"c.node"}, wantSteps: []string{StepIgnoreHosts, "PassAll"}, filterCalled: true,
		},
		{
			name:      "ignoring every host stops before the filters",
			set:       func(s *objects.RequestSpec) { s.IgnoreHosts.Set([]string{"a", "b", "c"}) },
			filter:    passAll(),
			wantNodes: []string{}, wantSteps: []string{StepIgnoreHosts},
		},
		{
			name:      "forced host skips the filters",
			set:       func(s *objects.RequestSpec) { s.ForceHosts.Set([]string{"C"}) },
			filter:    rejectAll(),
			wantNodes: []string{"c.node"}, wantSteps: []string{StepForceHosts}, wantForced: true,
		},
		{
			name:      "forced node, matched exactly",
			set:       func(s *objects.RequestSpec) { s.ForceNodes.Set([]string{"a-n1", "A-N2"}) },
			filter:    rejectAll(),
			wantNodes: []string{"a-n1"}, wantSteps: []string{StepForceNodes}, wantForced: true,
		},
		{
			name: "forced host and node together",
			set: func(s *objects.RequestSpec) {
				s.ForceHosts.Set([]string{"a"})
				s.ForceNodes.Set([]string{"a-n2"})
			},
			filter:    rejectAll(),
			wantNodes: []string{"a-n2"}, wantSteps: []string{StepForceHosts, StepForceNodes}, wantForced: true,
		},
		{
			name:      "forced host that does not exist: nothing, filters skipped",
			set:       func(s *objects.RequestSpec) { s.ForceHosts.Set([]string{"zz"}) },
			filter:    passAll(),
			wantNodes: []string{}, wantSteps: []string{StepForceHosts}, wantForced: true,
		},
		{
			name: "ignore applies before force",
			set: func(s *objects.RequestSpec) {
				s.IgnoreHosts.Set([]string{"c"})
				s.ForceHosts.Set([]string{"c", "b"})
			},
			filter:    passAll(),
			wantNodes: []string{"B.node"}, wantSteps: []string{StepIgnoreHosts, StepForceHosts}, wantForced: true,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := specFor(nil)
			c.set(s)
			passed, report := Run([]Filter{c.filter}, cluster(), s)
			if got := nodes(passed); !slices.Equal(got, c.wantNodes) {
				t.Errorf("passed %v, want %v", got, c.wantNodes)
			}
			var steps []string
			for _, st := range report.Steps {
				steps = append(steps, st.Name)
				if st.Prefilter == (st.Name == c.filter.name) {
					t.Errorf("step %s has Prefilter=%v", st.Name, st.Prefilter)
				}
			}
			if !slices.Equal(steps, c.wantSteps) {
				t.Errorf("steps %v, want %v", steps, c.wantSteps)
			}
			if report.Forced != c.wantForced {
				t.Errorf("Forced = %v, want %v", report.Forced, c.wantForced)
			}
			if (c.filter.calls > 0) != c.filterCalled {
				t.Errorf("filter called %d times, want called=%v", c.filter.calls, c.filterCalled)
			}
		})
	}
}

func TestForcedReportSaysFiltersSkipped(t *testing.T) {
	s := specFor(nil)
	s.ForceHosts.Set([]string{"c"})
	_, report := Run([]Filter{ComputeFilter{}}, cluster(), s)
	want := "Filtering kept 1 of 4 hosts for the request with instance ID '" + instanceUUID +
		"'. Filter results: ['ForceHosts: (start: 4, end: 1)'] (hosts forced: filters skipped)"
	if report.String() != want {
		t.Errorf("String() = %q\nwant       %q", report.String(), want)
	}
}
