package filters

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// Three hosts, one down, the two up ones too small for the flavor: the
// report must say ComputeFilter went 3 -> 2 and RamFilter 2 -> 0, and stop
// there, as nova's does.
func TestRunReportWhenAllRemoved(t *testing.T) {
	a, b, c := host("a"), host("b"), host("c")
	b.ServiceUp = false
	for _, h := range []*hoststate.HostState{a, c} {
		h.TotalUsableRAMMB, h.FreeRAMMB, h.RAMAllocationRatio = 4096, 1024, 1.0
	}
	fs := []Filter{ComputeFilter{}, RamFilter{}, DiskFilter{}}
	passed, report := Run(fs, []*hoststate.HostState{a, b, c}, specFor(flavor(2048, 1, 10, 0, 0)))

	if len(passed) != 0 {
		t.Fatalf("passed %v, want none", names(passed))
	}
	want := []FilterStep{
		{Name: "ComputeFilter", Start: 3, End: 2},
		{Name: "RamFilter", Start: 2, End: 0},
	}
	if len(report.Steps) != len(want) {
		t.Fatalf("steps = %+v, want %+v (DiskFilter must not run on no hosts)", report.Steps, want)
	}
	for i, w := range want {
		s := report.Steps[i]
		if s.Name != w.Name || s.Start != w.Start || s.End != w.End || s.Prefilter {
			t.Errorf("step %d = %s (%d -> %d), want %s (%d -> %d)", i, s.Name, s.Start, s.End, w.Name, w.Start, w.End)
		}
	}
	if s, _ := report.Step("ComputeFilter"); s.Removed() != 1 || s.Rejected[0].Host != "b" {
		t.Errorf("ComputeFilter removed %d (%+v), want host b", s.Removed(), s.Rejected)
	}
	if s, _ := report.Step("RamFilter"); s.Removed() != 2 {
		t.Errorf("RamFilter removed %d, want 2", s.Removed())
	}

	wantLine := "Filtering removed all hosts for the request with instance ID '" + instanceUUID +
		"'. Filter results: ['ComputeFilter: (start: 3, end: 2)', 'RamFilter: (start: 2, end: 0)']"
	if got := report.String(); got != wantLine {
		t.Errorf("String() =\n%s\nwant\n%s", got, wantLine)
	}
	if got, want := report.NoValidHostReason(), "There are not enough hosts available. "+wantLine; got != want {
		t.Errorf("NoValidHostReason() =\n%s\nwant\n%s", got, want)
	}
	detail := report.Detail()
	for _, w := range []string{
		"ComputeFilter: (b, b.node) has not been heard from in a while",
		"RamFilter: (a, a.node) does not have 2048 MB usable ram, it only has 1024 MB usable ram",
		"RamFilter: (c, c.node)",
	} {
		if !strings.Contains(detail, w) {
			t.Errorf("Detail() lacks %q:\n%s", w, detail)
		}
	}
}

func TestRunKeepsOrderAndReportsSurvivors(t *testing.T) {
	hosts := []*hoststate.HostState{host("c"), host("a"), host("b")}
	hosts[1].ServiceDisabled = true
	in := slices.Clone(hosts)
	passed, report := Run([]Filter{ComputeFilter{}, RamFilter{}}, hosts, specFor(flavor(512, 1, 1, 0, 0)))
	if got := names(passed); !slices.Equal(got, []string{"c", "b"}) {
		t.Errorf("passed %v, want [c b] in input order", got)
	}
	if !slices.Equal(hosts, in) {
		t.Error("Run modified the caller's slice")
	}
	if report.Passed() != 2 || report.Start != 3 {
		t.Errorf("Passed() = %d, Start = %d", report.Passed(), report.Start)
	}
	want := "Filtering kept 2 of 3 hosts for the request with instance ID '" + instanceUUID +
		"'. Filter results: ['ComputeFilter: (start: 3, end: 2)', 'RamFilter: (start: 2, end: 2)']"
	if report.String() != want {
		t.Errorf("String() = %q, want %q", report.String(), want)
	}
	// The survivors carry the limits RamFilter computed.
	for _, h := range passed {
		if !h.Limits.MemoryMB.Set {
			t.Errorf("%s passed RamFilter without a memory limit", h.Host)
		}
	}
}

func TestRunWithNoFiltersPassesAll(t *testing.T) {
	passed, report := Run(nil, []*hoststate.HostState{host("a"), host("b")}, specFor(nil))
	if len(passed) != 2 || report.Passed() != 2 || len(report.Steps) != 0 {
		t.Errorf("passed %v, report %+v", names(passed), report)
	}
}

func TestRunWithNoHosts(t *testing.T) {
	passed, report := Run([]Filter{ComputeFilter{}, RamFilter{}}, nil, specFor(nil))
	if len(passed) != 0 {
		t.Fatal("hosts out of nothing")
	}
	if got := report.Results(); got != "['ComputeFilter: (start: 0, end: 0)']" {
		t.Errorf("Results() = %s", got)
	}
}

func TestRunNilSpec(t *testing.T) {
	passed, _ := Run([]Filter{ComputeFilter{}, AvailabilityZoneFilter{DefaultZone: "nova"}, RamFilter{}}, []*hoststate.HostState{host("a")}, nil)
	if len(passed) != 1 {
		t.Errorf("a nil spec (a request for nothing) was refused: %v", names(passed))
	}
}

func TestRunForIndexSkipsOncePerRequestFilters(t *testing.T) {
	once := &counting{name: "Once", once: true, pass: func(*hoststate.HostState) bool { return true }}
	every := &counting{name: "Every", pass: func(*hoststate.HostState) bool { return true }}
	hosts := []*hoststate.HostState{host("a"), host("b")}

	_, r0 := RunForIndex([]Filter{once, every}, hosts, specFor(nil), 0)
	_, r1 := RunForIndex([]Filter{once, every}, hosts, specFor(nil), 1)
	if once.calls != 2 || every.calls != 4 {
		t.Errorf("calls: once %d (want 2), every %d (want 4)", once.calls, every.calls)
	}
	if _, ok := r1.Step("Once"); ok {
		t.Error("a skipped filter appears in the report")
	}
	if _, ok := r0.Step("Once"); !ok {
		t.Error("the first instance's report lacks the once-per-request filter")
	}
}

// The reason consume_from_request exists: two instances, two hosts each
// with room for one. After the first instance lands on a host, the second
// pass must reject that host.
func TestRunAfterConsumeRejectsFilledHost(t *testing.T) {
	a, b := host("a"), host("b")
	for _, h := range []*hoststate.HostState{a, b} {
		h.TotalUsableRAMMB, h.FreeRAMMB, h.RAMAllocationRatio = 4096, 4096, 1.0
	}
	s := specFor(flavor(3072, 1, 1, 0, 0))
	s.NumInstances.Set(2)
	fs := []Filter{ComputeFilter{}, RamFilter{}}

	hosts := []*hoststate.HostState{a, b}
	var placed []string
	for i := range s.NumInstances.Get() {
		passed, report := RunForIndex(fs, hosts, s, i)
		if len(passed) == 0 {
			t.Fatalf("instance %d: %s", i, report)
		}
		passed[0].ConsumeFromRequest(s)
		placed = append(placed, passed[0].Host)
		hosts = passed
	}
	if !slices.Equal(placed, []string{"a", "b"}) {
		t.Errorf("placed on %v, want [a b]: a full host was picked twice", placed)
	}
}

func TestRejectionsAreCapped(t *testing.T) {
	var hosts []*hoststate.HostState
	for i := range MaxRejectionsPerStep + 10 {
		h := host(fmt.Sprintf("h%02d", i))
		h.ServiceUp = false
		hosts = append(hosts, h)
	}
	_, report := Run([]Filter{ComputeFilter{}}, hosts, specFor(nil))
	s, _ := report.Step("ComputeFilter")
	if s.Removed() != len(hosts) || len(s.Rejected) != MaxRejectionsPerStep {
		t.Errorf("removed %d with %d rejections, want %d with %d", s.Removed(), len(s.Rejected), len(hosts), MaxRejectionsPerStep)
	}
	if !strings.Contains(report.Detail(), "ComputeFilter: ... and 10 more") {
		t.Errorf("Detail() does not count the unlisted hosts:\n%s", report.Detail())
	}
}

func TestRunFiltersOnRealHostStates(t *testing.T) {
	// One path through hoststate.New, so the filters are checked against
	// host states as the scheduler will build them.
	cn := new(objects.ComputeNode)
	cn.UUID.Set("6a1c6bd3-3b5e-4c39-9f59-0c5c2a3b8d01")
	cn.Host.Set("cmp1")
	cn.HypervisorHostname.Set("cmp1")
	cn.HypervisorType.Set("QEMU")
	cn.VCPUs.Set(4)
	cn.MemoryMB.Set(8192)
	cn.FreeRAMMB.Set(2048) // 6144 used
	cn.LocalGB.Set(50)
	cn.FreeDiskGB.Set(50)
	h, err := hoststate.New(cn, hoststate.Service{Up: true}, "", hoststate.DefaultAllocationRatios())
	if err != nil {
		t.Fatal(err)
	}
	fs, err := New(DefaultEnabledFilters(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	// Usable by nova's default 1.5 ratio: 8192*1.5 - 6144 = 6144 MB.
	usable := 8192*3/2 - 6144
	s := specFor(flavor(usable, 4, 50, 0, 0))
	s.AvailabilityZone.Set("nova")
	if passed, report := Run(fs, []*hoststate.HostState{h}, s); len(passed) != 1 {
		t.Errorf("a flavor of exactly the node's usable RAM was refused: %s\n%s", report, report.Detail())
	}
	s = specFor(flavor(usable+1, 4, 50, 0, 0))
	if passed, report := Run(fs, []*hoststate.HostState{h.Clone()}, s); len(passed) != 0 {
		t.Errorf("a flavor 1 MB over the node's limit was accepted: %s", report)
	}
}

func TestExplainPrintsLargeAmountsInFull(t *testing.T) {
	h := host("big")
	h.TotalUsableDiskGB, h.FreeDiskMB, h.DiskAllocationRatio = 2048, 1024*1024, 1.0
	s := specFor(flavor(512, 1, 2000, 0, 0))
	if (DiskFilter{}).HostPasses(h, s) {
		t.Fatal("setup: host should be too full")
	}
	// usable = 2048*1024*1.0 - (2048*1024 - 1024*1024) = 1048576
	if got, want := (DiskFilter{}).Explain(h, s), "it only has 1048576 MB usable disk"; !strings.Contains(got, want) {
		t.Errorf("Explain = %q, want it to contain %q", got, want)
	}
	h.FreeRAMMB, h.RAMAllocationRatio = 0, 1.25
	s = specFor(flavor(4097, 1, 0, 0, 0))
	// usable = 16384*1.25 - 16384 = 4096
	if got, want := (RamFilter{}).Explain(h, s), "it only has 4096 MB usable ram"; !strings.Contains(got, want) {
		t.Errorf("Explain = %q, want it to contain %q", got, want)
	}
	h.VCPUsUsed, h.CPUAllocationRatio = 11, 1.5
	s = specFor(flavor(1, 2, 0, 0, 0))
	// free = 8*1.5 - 11 = 1
	if got, want := (CoreFilter{}).Explain(h, s), "does not have 2 usable vcpus, it only has 1 usable vcpus"; got != want {
		t.Errorf("Explain = %q, want %q", got, want)
	}
}
