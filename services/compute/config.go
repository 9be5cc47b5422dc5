package compute

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novanats/novanats/pkg/config"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/servicegroup"
)

// Defaults of the settings pkg/config does not declare.
const (
	// DefaultUpdateResourcesInterval is nova's periodic spacing, which
	// update_available_resource uses when update_resources_interval is 0.
	DefaultUpdateResourcesInterval = 60 * time.Second
	// DefaultMaxConcurrentBuilds is nova's max_concurrent_builds.
	DefaultMaxConcurrentBuilds = 10
)

// Config is a compute service's configuration: nova-compute's options as
// pkg/config declares them (config.Compute: host, report_interval,
// reserved_host_*, the allocation ratios, update_resources_interval,
// max_concurrent_live_migrations, the [libvirt] live migration options,
// the RPC limits), plus what pkg/config does not declare yet and the
// wiring a process supplies.
type Config struct {
	config.Compute

	// MaxConcurrentBuilds is nova's max_concurrent_builds (10; 0 is
	// unlimited), not in pkg/config yet.
	MaxConcurrentBuilds int

	// Clock drives the state reports and the periodic tasks and stamps
	// launched_at and terminated_at; nil is the wall clock. Tests move a
	// servicegroup.FakeClock instead of waiting.
	Clock servicegroup.Clock
	// Logger; nil is slog.Default().
	Logger *slog.Logger
	// Metrics records the compute's RPC server and client metrics; nil
	// makes a set registered nowhere.
	Metrics *rpc.Metrics
	// SubjectPrefix puts every subject under a cell prefix.
	SubjectPrefix string
	// Registerer is the process's Prometheus registry, where the live
	// migration metrics (migrationmetrics) of this host are registered;
	// nil registers them nowhere.
	Registerer prometheus.Registerer
	// LiveMigrationStatsInterval is how often, in hypervisor time, a
	// running live migration's counters and the instance's progress are
	// saved; 0 is DefaultLiveMigrationStatsInterval (nova's 5 s).
	LiveMigrationStatsInterval time.Duration
}

// NewConfig is the configuration of a compute from loaded values (flags,
// environment and nova.conf, through config.ForService(ServiceCompute)).
func NewConfig(vals *config.Values) (Config, error) {
	c := Config{MaxConcurrentBuilds: DefaultMaxConcurrentBuilds}
	if err := vals.Bind(&c.Compute); err != nil {
		return Config{}, err
	}
	return c, nil
}

// DefaultConfig is nova's defaults, as pkg/config declares them, for a
// compute on host.
func DefaultConfig(host string) Config {
	vals, err := config.ForService(config.ServiceCompute).Load(config.Sources{Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		var c Config
		if c, err = NewConfig(vals); err == nil {
			c.Host = host
			return c
		}
	}
	// The defaults are this repository's own declarations.
	panic(fmt.Sprintf("compute: nova's defaults do not load: %v", err))
}

// updateResourcesInterval is how often update_available_resource runs; 0
// means never.
func (c Config) updateResourcesInterval() time.Duration {
	switch {
	case c.UpdateResourcesInterval < 0:
		return 0
	case c.UpdateResourcesInterval == 0:
		return DefaultUpdateResourcesInterval
	}
	return c.UpdateResourcesInterval
}

func (c Config) rpcTimeout() time.Duration {
	if c.RPCResponseTimeout > 0 {
		return c.RPCResponseTimeout
	}
	return rpc.DefaultTimeout
}

// Ratios are the allocation ratios a compute sets on its node.
type Ratios struct{ CPU, RAM, Disk float64 }

// ratios are the ratios in force: the configured ratio, else the initial
// one, else the project's default (nova's before Stein). Nova keeps a
// node's existing ratio when the option is unset, so that a ratio set
// through placement's API survives; ours has no such API, so the initial
// ratio is the one there is.
func (c Config) ratios() Ratios {
	pick := func(set, initial, def float64) float64 {
		if set > 0 {
			return set
		}
		if initial > 0 {
			return initial
		}
		return def
	}
	return Ratios{
		CPU:  pick(c.CPUAllocationRatio, c.InitialCPUAllocationRatio, placement.DefaultCPUAllocationRatio),
		RAM:  pick(c.RAMAllocationRatio, c.InitialRAMAllocationRatio, placement.DefaultRAMAllocationRatio),
		Disk: pick(c.DiskAllocationRatio, c.InitialDiskAllocationRatio, placement.DefaultDiskAllocationRatio),
	}
}

// Validate names the first setting no compute could run with. pkg/config
// checks bounds when it loads; this also catches a Config built by hand.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("compute: config: "+format, args...)
	}
	switch {
	case c.Host == "":
		return errors.New("compute: config: host is required")
	case c.ReservedHostMemoryMB < 0:
		return bad("reserved_host_memory_mb must be >= 0, got %d", c.ReservedHostMemoryMB)
	case c.ReservedHostDiskMB < 0:
		return bad("reserved_host_disk_mb must be >= 0, got %d", c.ReservedHostDiskMB)
	case c.ReservedHostCPUs < 0:
		return bad("reserved_host_cpus must be >= 0, got %d", c.ReservedHostCPUs)
	case c.MaxConcurrentBuilds < 0:
		return bad("max_concurrent_builds must be >= 0, got %d", c.MaxConcurrentBuilds)
	case c.MaxConcurrentLiveMigrations < 0:
		return bad("max_concurrent_live_migrations must be >= 0, got %d", c.MaxConcurrentLiveMigrations)
	case c.ExecutorThreadPoolSize < 0:
		return bad("executor_thread_pool_size must be >= 0, got %d", c.ExecutorThreadPoolSize)
	case c.RPCResponseTimeout < 0:
		return bad("rpc_response_timeout must be >= 0, got %s", c.RPCResponseTimeout)
	case c.LongRPCTimeout < 0:
		return bad("long_rpc_timeout must be >= 0, got %s", c.LongRPCTimeout)
	case c.LiveMigrationStatsInterval < 0:
		return bad("live migration stats interval must be >= 0, got %s", c.LiveMigrationStatsInterval)
	}
	for _, r := range []struct {
		name string
		v    float64
	}{
		{"cpu_allocation_ratio", c.CPUAllocationRatio}, {"ram_allocation_ratio", c.RAMAllocationRatio},
		{"disk_allocation_ratio", c.DiskAllocationRatio}, {"initial_cpu_allocation_ratio", c.InitialCPUAllocationRatio},
		{"initial_ram_allocation_ratio", c.InitialRAMAllocationRatio}, {"initial_disk_allocation_ratio", c.InitialDiskAllocationRatio},
	} {
		if !(r.v >= 0) || math.IsInf(r.v, 0) {
			return bad("%s must be a finite number >= 0, got %v", r.name, r.v)
		}
	}
	// The [libvirt] live migration options, which the live migration
	// part reads: pkg/config's own check.
	return c.Compute.Validate()
}
