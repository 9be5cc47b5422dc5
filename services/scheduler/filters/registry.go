package filters

import (
	"fmt"
	"slices"
	"strings"
)

// Options configure the filters that take configuration.
type Options struct {
	// DefaultAvailabilityZone is nova's default_availability_zone, the
	// zone of hosts in no zone aggregate; empty means "nova".
	DefaultAvailabilityZone string
}

// DefaultOptions returns nova's defaults.
func DefaultOptions() Options {
	return Options{DefaultAvailabilityZone: DefaultAvailabilityZone}
}

// builders maps each filter name to its constructor.
var builders = map[string]func(Options) Filter{
	"ComputeFilter": func(Options) Filter { return ComputeFilter{} },
	"AvailabilityZoneFilter": func(o Options) Filter {
		return AvailabilityZoneFilter{DefaultZone: o.DefaultAvailabilityZone}
	},
	"RamFilter":            func(Options) Filter { return RamFilter{} },
	"CoreFilter":           func(Options) Filter { return CoreFilter{} },
	"DiskFilter":           func(Options) Filter { return DiskFilter{} },
	"HypervisorTypeFilter": func(Options) Filter { return HypervisorTypeFilter{} },
}

// DefaultEnabledFilters is our enabled_filters default. nova's default
// leaves resources to placement; without placement the resource filters
// must run, so they are on. Cheap filters that remove whole groups of hosts
// come first, so the resource arithmetic runs on fewer hosts.
func DefaultEnabledFilters() []string {
	return []string{
		"ComputeFilter",
		"AvailabilityZoneFilter",
		"HypervisorTypeFilter",
		"RamFilter",
		"CoreFilter",
		"DiskFilter",
	}
}

// Names lists the filters New knows, sorted.
func Names() []string {
	names := make([]string, 0, len(builders))
	for n := range builders {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// UnknownFilterError is returned by New for names it does not know
// (nova's SchedulerHostFilterNotFound).
type UnknownFilterError struct {
	Names []string
}

func (e *UnknownFilterError) Error() string {
	return fmt.Sprintf("scheduler host filter %s could not be found (enabled_filters; available: %s)",
		strings.Join(e.Names, ", "), strings.Join(Names(), ", "))
}

// New builds the filters named, in order, as nova's enabled_filters option
// selects filter classes. Names are matched exactly after trimming spaces.
// All unknown names are reported together, so one fix covers them all; an
// empty or repeated name is an error too, being a configuration slip. An
// empty list is valid: every host passes.
func New(names []string, opts Options) ([]Filter, error) {
	if opts.DefaultAvailabilityZone == "" {
		opts.DefaultAvailabilityZone = DefaultAvailabilityZone
	}
	var unknown []string
	seen := map[string]bool{}
	fs := make([]Filter, 0, len(names))
	for _, raw := range names {
		name := strings.TrimSpace(raw)
		if name == "" {
			return nil, fmt.Errorf("enabled_filters has an empty filter name in %q", names)
		}
		if seen[name] {
			return nil, fmt.Errorf("enabled_filters names filter %s twice", name)
		}
		seen[name] = true
		build, ok := builders[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		fs = append(fs, build(opts))
	}
	if len(unknown) > 0 {
		return nil, &UnknownFilterError{Names: unknown}
	}
	return fs, nil
}
