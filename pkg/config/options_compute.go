package config

import (
	"time"

	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// The compute manager's and resource tracker's options: nova/conf/compute.py,
// all in [DEFAULT].
//
// nova's cpu/ram/disk_allocation_ratio default to None, "not set: keep the
// node's ratio, or initial_*_allocation_ratio for a new node"; nova reads
// 0.0 the same way, so 0.0 is the default here. The scheduler reads them
// too, as its ratio for nodes that report none. The initial ratios are the
// ones nova used before Stein (cpu 16.0, ram 1.5, disk 1.0), which the
// project adopted; hoststate holds them for the scheduler.
var computeOptions = []*Option{
	{
		Group: DefaultGroup, Name: "max_concurrent_live_migrations", Kind: Int, Default: 1, Min: limit(0),
		Help:     "Live migrations a compute host runs at once; 0 is unlimited",
		Services: ServiceCompute,
	},
	ratio("cpu_allocation_ratio", 0.0, "Virtual to physical CPU ratio; 0.0 keeps the node's, or initial_cpu_allocation_ratio when new", ServiceCompute|ServiceScheduler),
	ratio("ram_allocation_ratio", 0.0, "Virtual to physical RAM ratio; 0.0 keeps the node's, or initial_ram_allocation_ratio when new", ServiceCompute|ServiceScheduler),
	ratio("disk_allocation_ratio", 0.0, "Virtual to physical disk ratio; 0.0 keeps the node's, or initial_disk_allocation_ratio when new", ServiceCompute|ServiceScheduler),
	ratio("initial_cpu_allocation_ratio", hoststate.DefaultCPUAllocationRatio, "CPU allocation ratio of a compute node when first recorded", ServiceCompute),
	ratio("initial_ram_allocation_ratio", hoststate.DefaultRAMAllocationRatio, "RAM allocation ratio of a compute node when first recorded", ServiceCompute),
	ratio("initial_disk_allocation_ratio", hoststate.DefaultDiskAllocationRatio, "Disk allocation ratio of a compute node when first recorded", ServiceCompute),
	{
		Group: DefaultGroup, Name: "reserved_host_memory_mb", Kind: Int, Default: 512, Min: limit(0),
		Help:     "Memory in MB kept back for the host's own processes",
		Services: ServiceCompute,
	},
	{
		Group: DefaultGroup, Name: "reserved_host_disk_mb", Kind: Int, Default: 0, Min: limit(0),
		Help:     "Disk in MB kept back for the host",
		Services: ServiceCompute,
	},
	{
		Group: DefaultGroup, Name: "reserved_host_cpus", Kind: Int, Default: 0, Min: limit(0),
		Help:     "Host CPUs kept back for the host's own processes",
		Services: ServiceCompute,
	},
	{
		Group: DefaultGroup, Name: "update_resources_interval", Kind: Seconds, Default: time.Duration(0),
		Help:     "Seconds between resource updates to the scheduler; 0 is the default periodic interval, negative disables them",
		Services: ServiceCompute,
	},
}

// ratio declares an allocation ratio: a FloatOpt at least 0 in [DEFAULT].
func ratio(name string, def float64, help string, svc Service) *Option {
	return &Option{Group: DefaultGroup, Name: name, Kind: Float, Default: def, Min: limit(0), Help: help, Services: svc}
}
