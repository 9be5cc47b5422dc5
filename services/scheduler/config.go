package scheduler

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/services/scheduler/filters"
	"github.com/novanats/novanats/services/scheduler/hoststate"
	"github.com/novanats/novanats/services/scheduler/weights"
)

// DefaultMaxAttempts is nova's [scheduler] max_attempts: the chosen host
// and up to two alternates per instance.
const DefaultMaxAttempts = 3

// Config configures a scheduler. The zero value of every field means
// nova's default, so Config{Host: "sched1"} is a working scheduler.
type Config struct {
	// Host names this scheduler: its server subject and Service record.
	Host string

	// EnabledFilters is [filter_scheduler] enabled_filters, filter names
	// in the order they run; nil means filters.DefaultEnabledFilters().
	// An empty non-nil list runs no filter.
	EnabledFilters []string
	// WeightClasses is [filter_scheduler] weight_classes; nil means every
	// weigher.
	WeightClasses []string
	// Weights are the weighers' multipliers (ram_weight_multiplier, ...);
	// nil means weights.DefaultOptions().
	Weights *weights.Options
	// AllocationRatios are cpu_allocation_ratio, ram_allocation_ratio
	// and disk_allocation_ratio, for nodes that report none; a zero field
	// means nova's default (16.0, 1.5, 1.0).
	AllocationRatios hoststate.AllocationRatios
	// DefaultAvailabilityZone is [DEFAULT] default_availability_zone,
	// the zone of hosts in none; empty means "nova".
	DefaultAvailabilityZone string
	// MaxAttempts is [scheduler] max_attempts: alternates per instance
	// are MaxAttempts - 1. 0 means DefaultMaxAttempts.
	MaxAttempts int
	// HostSubsetSize is host_subset_size: the chosen host is drawn from
	// the best N. 0 means 1.
	HostSubsetSize int
	// ShuffleBestSameWeighedHosts is shuffle_best_same_weighed_hosts.
	ShuffleBestSameWeighedHosts bool
	// CellUUID is the cell this scheduler's hosts are in, for the
	// Selections; empty leaves cell_uuid unset.
	CellUUID string

	// ServiceGroup is report_interval and service_down_time: the
	// ComputeFilter drops hosts whose compute has not reported within
	// service_down_time, and the scheduler reports its own state.
	ServiceGroup servicegroup.Config
	// Clock is what "now" is for liveness and reports; nil is the wall
	// clock. Tests share one FakeClock with the store.
	Clock servicegroup.Clock
	// Logger; nil is slog.Default().
	Logger *slog.Logger
	// Metrics records the RPC server's metrics; nil makes a set
	// registered nowhere.
	Metrics *rpc.Metrics
	// WorkerPool is executor_thread_pool_size; 0 is rpc.DefaultWorkerPool.
	WorkerPool int
	// SubjectPrefix puts the scheduler's subjects under a cell prefix.
	SubjectPrefix string
}

// withDefaults fills the zero fields and checks the rest, so a bad
// option stops the scheduler at start rather than failing every request.
func (c Config) withDefaults() (Config, error) {
	if c.EnabledFilters == nil {
		c.EnabledFilters = filters.DefaultEnabledFilters()
	}
	if c.WeightClasses == nil {
		c.WeightClasses = weights.DefaultWeightClasses()
	}
	if c.Weights == nil {
		w := weights.DefaultOptions()
		c.Weights = &w
	}
	if err := c.AllocationRatios.Validate(); err != nil {
		return c, err
	}
	if c.DefaultAvailabilityZone == "" {
		c.DefaultAvailabilityZone = filters.DefaultAvailabilityZone
	}
	switch {
	case c.MaxAttempts == 0:
		c.MaxAttempts = DefaultMaxAttempts
	case c.MaxAttempts < 1:
		return c, fmt.Errorf("max_attempts %d must be at least 1", c.MaxAttempts)
	}
	if c.HostSubsetSize == 0 {
		c.HostSubsetSize = 1
	}
	if c.HostSubsetSize < 1 {
		return c, fmt.Errorf("host_subset_size %d must be at least 1", c.HostSubsetSize)
	}
	if c.Clock == nil {
		c.Clock = servicegroup.RealClock()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// errNoHost is the config error of a service without a name.
var errNoHost = errors.New("scheduler: Config.Host is required")
