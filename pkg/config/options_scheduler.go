package config

import (
	"strings"

	"github.com/novanats/novanats/services/scheduler/filters"
	"github.com/novanats/novanats/services/scheduler/weights"
)

// The scheduler's options: nova/conf/scheduler.py ([scheduler] and
// [filter_scheduler]) and nova/conf/availability_zone.py. Defaults are the
// scheduler packages', which implement them; enabled_filters' differs from
// nova's because novanats has no placement service (see filters).
var schedulerOptions = func() []*Option {
	w := weights.DefaultOptions()
	return []*Option{
		{
			// nova's conductor reads it too, to ask for alternate hosts.
			Group: "scheduler", Name: "max_attempts", Kind: Int, Default: 3, Min: limit(1),
			Help:     "Hosts to try for one build or move: the chosen one and its alternates",
			Services: ServiceScheduler | ServiceConductor,
		},
		{
			Group: DefaultGroup, Name: "default_availability_zone", Kind: String, Default: filters.DefaultAvailabilityZone,
			Help:     "Availability zone of hosts that are in no zone",
			Services: ServiceScheduler,
		},
		{
			Group: "filter_scheduler", Name: "enabled_filters", Kind: List, Default: filters.DefaultEnabledFilters(),
			Check:    checkNames(func(names []string) error { _, err := filters.New(names, filters.DefaultOptions()); return err }),
			Help:     "Filters the scheduler applies, in order: " + strings.Join(filters.Names(), ", "),
			Services: ServiceScheduler,
		},
		{
			Group: "filter_scheduler", Name: "weight_classes", Kind: List, Default: weights.DefaultWeightClasses(),
			Check:    checkNames(func(names []string) error { _, err := weights.New(names, weights.DefaultOptions()); return err }),
			Help:     "Weighers that rank the hosts: " + weights.AllWeighers + " or some of " + strings.Join(weights.Names(), ", "),
			Services: ServiceScheduler,
		},
		multiplier("ram_weight_multiplier", w.RAMWeightMultiplier, "free RAM"),
		multiplier("cpu_weight_multiplier", w.CPUWeightMultiplier, "free vCPUs"),
		multiplier("disk_weight_multiplier", w.DiskWeightMultiplier, "free disk"),
		multiplier("num_instances_weight_multiplier", w.NumInstancesWeightMultiplier, "fewer instances"),
		{
			Group: "filter_scheduler", Name: "host_subset_size", Kind: Int, Min: limit(1),
			Default:  weights.DefaultPickOptions().HostSubsetSize,
			Help:     "Pick the host at random among this many best ones, so parallel schedulers spread out",
			Services: ServiceScheduler,
		},
		{
			Group: "filter_scheduler", Name: "shuffle_best_same_weighed_hosts", Kind: Bool,
			Default:  weights.DefaultPickOptions().ShuffleBestSameWeighedHosts,
			Help:     "Shuffle the hosts tied for the best weight before picking",
			Services: ServiceScheduler,
		},
	}
}()

// multiplier declares a weigher's multiplier, a FloatOpt in
// [filter_scheduler]: positive prefers hosts with more of what it weighs,
// negative fewer.
func multiplier(name string, def float64, what string) *Option {
	return &Option{
		Group: "filter_scheduler", Name: name, Kind: Float, Default: def,
		Help:     "Weight of " + what + " in ranking hosts; negative stacks instead of spreading",
		Services: ServiceScheduler,
	}
}

// checkNames adapts a check of a list of names to Option.Check.
func checkNames(check func([]string) error) func(any) error {
	return func(v any) error { return check(v.([]string)) }
}
