package scheduler

import (
	"errors"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/filters"
	"github.com/novanats/novanats/services/scheduler/hoststate"
	"github.com/novanats/novanats/services/scheduler/weights"
)

func TestConfigDefaultsAreNovas(t *testing.T) {
	cfg, err := Config{Host: "s"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxAttempts != 3 || cfg.HostSubsetSize != 1 || cfg.DefaultAvailabilityZone != "nova" || *cfg.Weights != weights.DefaultOptions() {
		t.Errorf("defaults %+v", cfg)
	}
	if strings.Join(cfg.EnabledFilters, ",") != strings.Join(filters.DefaultEnabledFilters(), ",") {
		t.Errorf("enabled filters %v", cfg.EnabledFilters)
	}
}

// Bad options stop the scheduler when it is built, not on every request.
func TestNewManagerRefusesBadOptions(t *testing.T) {
	for name, c := range map[string]struct {
		cfg  Config
		says string
	}{
		"unknown filter":   {Config{EnabledFilters: []string{"ComputeFilter", "NUMATopologyFilter"}}, "NUMATopologyFilter"},
		"unknown weigher":  {Config{WeightClasses: []string{"GPUWeigher"}}, "GPUWeigher"},
		"max_attempts":     {Config{MaxAttempts: -1}, "max_attempts"},
		"host_subset_size": {Config{HostSubsetSize: -2}, "host_subset_size"},
		"negative ratio":   {Config{AllocationRatios: hoststate.AllocationRatios{RAM: -1}}, "ram_allocation_ratio"},
	} {
		_, err := NewManager(nil, nil, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: error %v, want one naming %s", name, err, c.says)
		}
	}
	var unknown *filters.UnknownFilterError
	if _, err := NewManager(nil, nil, Config{EnabledFilters: []string{"Nope"}}); !errors.As(err, &unknown) {
		t.Errorf("unknown filter: %v (%T), want *filters.UnknownFilterError", err, err)
	}
}

// Alternates come only with return_objects and return_alternates, and
// number max_attempts - 1.
func TestAlternatesFollowMaxAttempts(t *testing.T) {
	m, err := NewManager(nil, nil, Config{MaxAttempts: 5})
	if err != nil {
		t.Fatal(err)
	}
	f := new(objects.Flavor)
	f.VCPUs.Set(1)
	f.MemoryMB.Set(512)
	spec := new(objects.RequestSpec)
	spec.InstanceUUID.Set("9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d")
	spec.Flavor.Set(f)
	for _, c := range []struct {
		objects, alternates bool
		want                int
	}{{true, true, 4}, {true, false, 0}, {false, true, 0}} {
		req, err := m.parse(SelectDestinationsArgs{RequestSpec: spec, ReturnObjects: c.objects, ReturnAlternates: c.alternates})
		if err != nil {
			t.Fatal(err)
		}
		if req.alternates != c.want || len(req.instanceUUIDs) != 1 || req.instanceUUIDs[0] != spec.InstanceUUID.Get() {
			t.Errorf("return_objects=%v return_alternates=%v: %d alternates for %v, want %d for the spec's instance",
				c.objects, c.alternates, req.alternates, req.instanceUUIDs, c.want)
		}
	}
}
