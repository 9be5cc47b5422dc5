package scheduler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/services/scheduler/filters"
)

func TestNoValidHostReason(t *testing.T) {
	report := filters.FilterReport{InstanceUUID: "i-1", Start: 3, Steps: []filters.FilterStep{
		{Name: "ComputeFilter", Start: 3, End: 2},
		{Name: "RamFilter", Start: 2, End: 0},
	}}
	got := noValidHost(0, 1, report, nil, nil).Error()
	want := "No valid host was found. There are not enough hosts available. Filtering removed all hosts for the request with instance ID 'i-1'. " +
		"Filter results: ['ComputeFilter: (start: 3, end: 2)', 'RamFilter: (start: 2, end: 0)']."
	if got != want {
		t.Errorf("reason\n%s\nwant\n%s", got, want)
	}

	// Claims refused and nodes skipped: listed up to maxListed, counted
	// in full.
	var failures []error
	var skipped []SkippedNode
	for i := range maxListed + 2 {
		failures = append(failures, &placement.ClaimFailed{Host: fmt.Sprintf("h%d", i), Nodename: "n", Consumer: "i-1", Resource: placement.ClassMemoryMB, Requested: 1, Reason: placement.ReasonCapacity})
		skipped = append(skipped, SkippedNode{Node: placement.Node{Host: fmt.Sprintf("s%d", i), Nodename: "n"}, Reason: "no inventory in placement"})
	}
	kept := filters.FilterReport{InstanceUUID: "i-2", Start: 7, Steps: []filters.FilterStep{{Name: "RamFilter", Start: 7, End: 7}}}
	got = noValidHost(1, 2, kept, failures, skipped).Reason
	for _, s := range []string{
		"Placed 1 of 2 instances.",
		"Filtering kept 7 of 7 hosts",
		"Placement refused the claim on all 7 hosts that passed: Unable to claim 1 MEMORY_MB",
		"(h4, n)", "; and 2 more.",
		"7 compute nodes were not considered: (s0, n): no inventory in placement",
	} {
		if !strings.Contains(got, s) {
			t.Errorf("reason does not say %q:\n%s", s, got)
		}
	}
	if strings.Contains(got, "(h5, n)") || strings.Contains(got, "(s5, n)") {
		t.Errorf("reason lists more than %d entries:\n%s", maxListed, got)
	}
}
