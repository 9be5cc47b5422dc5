package hoststate

import (
	"errors"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
)

func TestNewCopiesComputeNode(t *testing.T) {
	n := baseNode()
	h := mustNew(t, n, Service{Up: true, Disabled: true, DisabledReason: "maintenance"}, "az1")
	checks := []struct {
		name      string
		got, want any
	}{
		{"Host", h.Host, n.host},
		{"Nodename", h.Nodename, n.nodename},
		{"UUID", h.UUID, n.uuid},
		{"HypervisorType", h.HypervisorType, n.hvType},
		{"HypervisorVersion", h.HypervisorVersion, 8002000},
		{"VCPUsTotal", h.VCPUsTotal, n.vcpus},
		{"VCPUsUsed", h.VCPUsUsed, n.vcpusUsed},
		{"TotalUsableRAMMB", h.TotalUsableRAMMB, n.memMB},
		{"FreeRAMMB", h.FreeRAMMB, n.freeRAM},
		{"TotalUsableDiskGB", h.TotalUsableDiskGB, n.localGB},
		{"DiskMBUsed", h.DiskMBUsed, n.localUsed * 1024},
		{"FreeDiskMB", h.FreeDiskMB, n.freeDisk * 1024},
		{"NumInstances", h.NumInstances, n.runningVMs},
		{"AvailabilityZone", h.AvailabilityZone, "az1"},
		{"ServiceUp", h.ServiceUp, true},
		{"ServiceDisabled", h.ServiceDisabled, true},
		{"DisabledReason", h.DisabledReason, "maintenance"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if h.Limits != (Limits{}) {
		t.Errorf("a new host has limits %+v; only filters set them", h.Limits)
	}
}

func TestNewAllocationRatios(t *testing.T) {
	defaults := DefaultAllocationRatios()
	custom := AllocationRatios{CPU: 4, RAM: 1.0, Disk: 2.0}
	cases := []struct {
		name     string
		node     [3]float64 // cpu, ram, disk as the node reports them
		defaults AllocationRatios
		want     AllocationRatios
	}{
		{"node reports none: nova's defaults", [3]float64{0, 0, 0}, defaults,
			AllocationRatios{CPU: 16.0, RAM: 1.5, Disk: 1.0}},
		{"node reports none: configured defaults", [3]float64{0, 0, 0}, custom, custom},
		{"node ratios override", [3]float64{2, 1.2, 3}, defaults,
			AllocationRatios{CPU: 2, RAM: 1.2, Disk: 3}},
		{"node overrides one, rest default", [3]float64{0, 1.0, 0}, defaults,
			AllocationRatios{CPU: 16.0, RAM: 1.0, Disk: 1.0}},
		{"zero default falls back to nova's", [3]float64{0, 0, 0}, AllocationRatios{},
			AllocationRatios{CPU: 16.0, RAM: 1.5, Disk: 1.0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := baseNode()
			n.cpuRatio, n.ramRatio, n.diskRatio = c.node[0], c.node[1], c.node[2]
			h, err := New(n.object(), Service{Up: true}, "", c.defaults)
			if err != nil {
				t.Fatal(err)
			}
			got := AllocationRatios{CPU: h.CPUAllocationRatio, RAM: h.RAMAllocationRatio, Disk: h.DiskAllocationRatio}
			if got != c.want {
				t.Errorf("ratios = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestNewFreeDiskUsesDiskAvailableLeast(t *testing.T) {
	cases := []struct {
		name     string
		free     int
		least    *int
		wantFree int // GB, nova: min(free_disk_gb, disk_available_least)
	}{
		{"no least", 80, nil, 80},
		{"least smaller", 80, intp(50), 50},
		{"least larger is ignored", 80, intp(90), 80},
		{"least negative (overcommitted qcow2)", 80, intp(-5), -5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := baseNode()
			n.freeDisk, n.least = c.free, c.least
			h := mustNew(t, n, Service{Up: true}, "")
			if want := c.wantFree * 1024; h.FreeDiskMB != want {
				t.Errorf("FreeDiskMB = %d, want %d", h.FreeDiskMB, want)
			}
		})
	}
}

func TestNewDerivesFreeRAMWhenUnreported(t *testing.T) {
	n := baseNode()
	n.noFreeRAM = true
	h := mustNew(t, n, Service{Up: true}, "")
	if want := n.memMB - n.memUsed; h.FreeRAMMB != want {
		t.Errorf("FreeRAMMB = %d, want memory_mb - memory_mb_used = %d", h.FreeRAMMB, want)
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name     string
		mutate   func(*node)
		defaults AllocationRatios
		want     string
		is       error
	}{
		{"usage not reported", func(n *node) { n.noFreeDisk = true }, DefaultAllocationRatios(),
			"has not reported its usage", ErrUsageNotReported},
		{"no host", func(n *node) { n.noHost = true }, DefaultAllocationRatios(), "has no host", nil},
		{"negative node cpu ratio", func(n *node) { n.cpuRatio = -1 }, DefaultAllocationRatios(),
			"cpu_allocation_ratio -1 is negative", nil},
		{"negative node disk ratio", func(n *node) { n.diskRatio = -0.5 }, DefaultAllocationRatios(),
			"disk_allocation_ratio -0.5 is negative", nil},
		{"negative default ram ratio", func(*node) {}, AllocationRatios{CPU: 16, RAM: -1.5, Disk: 1},
			"default ram_allocation_ratio -1.5 is negative", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := baseNode()
			c.mutate(&n)
			_, err := New(n.object(), Service{Up: true}, "", c.defaults)
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
		})
	}
	if _, err := New(nil, Service{}, "", DefaultAllocationRatios()); err == nil {
		t.Error("New(nil) succeeded")
	}
}

func TestServiceFrom(t *testing.T) {
	svc := new(objects.Service)
	svc.Disabled.Set(true)
	svc.DisabledReason.Set("hw fault")
	got := ServiceFrom(svc, true)
	if want := (Service{Up: true, Disabled: true, DisabledReason: "hw fault"}); got != want {
		t.Errorf("ServiceFrom = %+v, want %+v", got, want)
	}
	if got := ServiceFrom(nil, true); got.Up {
		t.Errorf("a host without a service record is reported up: %+v", got)
	}
}

func TestCloneIsIndependent(t *testing.T) {
	h := mustNew(t, baseNode(), Service{Up: true}, "")
	c := h.Clone()
	c.ConsumeFromRequest(spec(1024, 1, 10, 0, 0, false))
	c.Limits.VCPU = Limit{Value: 128, Set: true}
	if h.FreeRAMMB == c.FreeRAMMB || h.Limits.VCPU.Set {
		t.Errorf("consuming from a clone changed the original: %v / %+v", h, h.Limits)
	}
}

func TestString(t *testing.T) {
	h := mustNew(t, baseNode(), Service{Up: true}, "")
	want := "(cmp1, cmp1.local) ram: 12288MB disk: 81920MB instances: 3"
	if got := h.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
