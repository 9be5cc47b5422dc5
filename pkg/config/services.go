package config

import (
	"errors"
	"time"

	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/scheduler/filters"
	"github.com/novanats/novanats/services/scheduler/weights"
)

// The typed configuration of each service, filled by Values.Bind from the
// Set ForService returns. Fields are named after nova's options and tagged
// with them; methods hand the values to the packages that implement them.

// Common is what every service reads: its name, its liveness reports and
// its RPC limits.
type Common struct {
	Host                   string        `nova:"DEFAULT.host"`
	ReportInterval         time.Duration `nova:"DEFAULT.report_interval"`
	ServiceDownTime        time.Duration `nova:"DEFAULT.service_down_time"`
	RPCResponseTimeout     time.Duration `nova:"DEFAULT.rpc_response_timeout"`
	LongRPCTimeout         time.Duration `nova:"DEFAULT.long_rpc_timeout"`
	ExecutorThreadPoolSize int           `nova:"DEFAULT.executor_thread_pool_size"`
	RPCConnPoolSize        int           `nova:"DEFAULT.rpc_conn_pool_size"`
}

// ServiceGroup is the liveness configuration. Load already applied
// servicegroup's rule, so Effective changes nothing.
func (c Common) ServiceGroup() servicegroup.Config {
	return servicegroup.Config{ReportInterval: c.ReportInterval, ServiceDownTime: c.ServiceDownTime}
}

// AllocationRatios are the ratios the compute sets on its node and the
// scheduler assumes for nodes that report none; 0.0 means not set.
type AllocationRatios struct {
	CPUAllocationRatio  float64 `nova:"DEFAULT.cpu_allocation_ratio"`
	RAMAllocationRatio  float64 `nova:"DEFAULT.ram_allocation_ratio"`
	DiskAllocationRatio float64 `nova:"DEFAULT.disk_allocation_ratio"`
}

// UnlimitedRetries is migrate_max_retries' "until no host is left".
const UnlimitedRetries = -1

// Conductor is nova-conductor's configuration.
type Conductor struct {
	Common
	Workers           int `nova:"conductor.workers"`
	MigrateMaxRetries int `nova:"DEFAULT.migrate_max_retries"`
	MaxAttempts       int `nova:"scheduler.max_attempts"`
}

// OverMaxRetries is nova's LiveMigrationTask._check_not_over_max_retries:
// after attemptedHosts destinations were tried for one live migration, are
// the retries (attempts after the first) past migrate_max_retries?
func (c Conductor) OverMaxRetries(attemptedHosts int) bool {
	return c.MigrateMaxRetries != UnlimitedRetries && attemptedHosts-1 > c.MigrateMaxRetries
}

// Scheduler is nova-scheduler's configuration.
type Scheduler struct {
	Common
	AllocationRatios
	DefaultAvailabilityZone      string   `nova:"DEFAULT.default_availability_zone"`
	MaxAttempts                  int      `nova:"scheduler.max_attempts"`
	EnabledFilters               []string `nova:"filter_scheduler.enabled_filters"`
	WeightClasses                []string `nova:"filter_scheduler.weight_classes"`
	RAMWeightMultiplier          float64  `nova:"filter_scheduler.ram_weight_multiplier"`
	CPUWeightMultiplier          float64  `nova:"filter_scheduler.cpu_weight_multiplier"`
	DiskWeightMultiplier         float64  `nova:"filter_scheduler.disk_weight_multiplier"`
	NumInstancesWeightMultiplier float64  `nova:"filter_scheduler.num_instances_weight_multiplier"`
	HostSubsetSize               int      `nova:"filter_scheduler.host_subset_size"`
	ShuffleBestSameWeighedHosts  bool     `nova:"filter_scheduler.shuffle_best_same_weighed_hosts"`
}

// Filters is the configuration for filters.New(s.EnabledFilters, ...).
func (s Scheduler) Filters() filters.Options {
	return filters.Options{DefaultAvailabilityZone: s.DefaultAvailabilityZone}
}

// Weights is the configuration for weights.New(s.WeightClasses, ...).
func (s Scheduler) Weights() weights.Options {
	return weights.Options{
		RAMWeightMultiplier:          s.RAMWeightMultiplier,
		CPUWeightMultiplier:          s.CPUWeightMultiplier,
		DiskWeightMultiplier:         s.DiskWeightMultiplier,
		NumInstancesWeightMultiplier: s.NumInstancesWeightMultiplier,
	}
}

// Pick is the configuration for weights.Pick.
func (s Scheduler) Pick() weights.PickOptions {
	return weights.PickOptions{HostSubsetSize: s.HostSubsetSize, ShuffleBestSameWeighedHosts: s.ShuffleBestSameWeighedHosts}
}

// Validate applies the weights package's own checks (Bind calls it).
func (s Scheduler) Validate() error {
	return errors.Join(s.Weights().Validate(), s.Pick().Validate())
}

// Compute is nova-compute's configuration.
type Compute struct {
	Common
	AllocationRatios
	InitialCPUAllocationRatio   float64       `nova:"DEFAULT.initial_cpu_allocation_ratio"`
	InitialRAMAllocationRatio   float64       `nova:"DEFAULT.initial_ram_allocation_ratio"`
	InitialDiskAllocationRatio  float64       `nova:"DEFAULT.initial_disk_allocation_ratio"`
	MaxConcurrentLiveMigrations int           `nova:"DEFAULT.max_concurrent_live_migrations"`
	ReservedHostMemoryMB        int           `nova:"DEFAULT.reserved_host_memory_mb"`
	ReservedHostDiskMB          int           `nova:"DEFAULT.reserved_host_disk_mb"`
	ReservedHostCPUs            int           `nova:"DEFAULT.reserved_host_cpus"`
	UpdateResourcesInterval     time.Duration `nova:"DEFAULT.update_resources_interval"`

	LiveMigrationDowntime           int                `nova:"libvirt.live_migration_downtime"`
	LiveMigrationDowntimeSteps      int                `nova:"libvirt.live_migration_downtime_steps"`
	LiveMigrationDowntimeDelay      int                `nova:"libvirt.live_migration_downtime_delay"`
	LiveMigrationCompletionTimeout  int                `nova:"libvirt.live_migration_completion_timeout"`
	LiveMigrationTimeoutAction      virt.TimeoutAction `nova:"libvirt.live_migration_timeout_action"`
	LiveMigrationPermitPostCopy     bool               `nova:"libvirt.live_migration_permit_post_copy"`
	LiveMigrationPermitAutoConverge bool               `nova:"libvirt.live_migration_permit_auto_converge"`
	LiveMigrationBandwidth          int                `nova:"libvirt.live_migration_bandwidth"`
}

// Migration is the [libvirt] live-migration configuration for virt drivers.
func (c Compute) Migration() virt.MigrationConfig {
	return virt.MigrationConfig{
		DowntimeMs:         c.LiveMigrationDowntime,
		DowntimeSteps:      c.LiveMigrationDowntimeSteps,
		DowntimeDelay:      c.LiveMigrationDowntimeDelay,
		CompletionTimeout:  c.LiveMigrationCompletionTimeout,
		TimeoutAction:      c.LiveMigrationTimeoutAction,
		PermitPostCopy:     c.LiveMigrationPermitPostCopy,
		PermitAutoConverge: c.LiveMigrationPermitAutoConverge,
		BandwidthMiBps:     c.LiveMigrationBandwidth,
	}
}

// Validate applies virt's own checks of the migration settings (Bind
// calls it).
func (c Compute) Validate() error { return c.Migration().Validate() }
