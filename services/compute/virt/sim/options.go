package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/novanats/novanats/services/compute/virt"
)

// Options configure one simulated hypervisor host. Start from
// DefaultOptions: New validates every field and rejects zero or negative
// sizes and rates rather than guessing what was meant.
type Options struct {
	// Host capacity reported by GetAvailableResource.
	VCPUs    int
	MemoryMB int
	LocalGB  int

	HypervisorType    string // "sim"
	HypervisorVersion int    // nova encoding: 1.0.0 is 1000000

	// LinkBandwidthMiBps is the speed of this host's migration network.
	// A migration runs at the slower of the two hosts' links, further
	// capped by Migration.BandwidthMiBps if set.
	LinkBandwidthMiBps float64
	// DefaultDirtyRateMiBps is the memory dirty rate of guests whose
	// GuestSpec leaves it at 0.
	DefaultDirtyRateMiBps float64
	// MonitorInterval is how often the migration monitor wakes up, in
	// clock time (nova's _live_migration_monitor sleeps 0.5 s).
	MonitorInterval time.Duration

	// Migration holds nova's [libvirt] live-migration options.
	Migration virt.MigrationConfig

	// SharedStorage names the storage holding the instances path. Hosts
	// with the same non-empty name share it, so live migration between them
	// needs no block migration; "" means local storage.
	SharedStorage string

	// Clock drives all simulated time; nil means the wall clock.
	Clock Clock
	// Fabric connects the simulated hosts that can migrate to each other;
	// nil gives the host a private fabric (no migration peers).
	Fabric *Fabric
}

// DefaultOptions describes a mid-size host on a 10 GbE migration network
// running nova's default migration options on the wall clock.
func DefaultOptions() Options {
	return Options{
		VCPUs:                 32,
		MemoryMB:              128 * 1024,
		LocalGB:               2000,
		HypervisorType:        "sim",
		HypervisorVersion:     1000000,
		LinkBandwidthMiBps:    1024,
		DefaultDirtyRateMiBps: 16,
		MonitorInterval:       500 * time.Millisecond,
		Migration:             virt.DefaultMigrationConfig(),
	}
}

func (o Options) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("sim: %w: "+format, append([]any{virt.ErrInvalidInput}, args...)...)
	}
	positive := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	switch {
	case o.VCPUs <= 0:
		return bad("host vcpus must be > 0, got %d", o.VCPUs)
	case o.MemoryMB <= 0:
		return bad("host memory_mb must be > 0, got %d", o.MemoryMB)
	case o.LocalGB < 0:
		return bad("host local_gb must be >= 0, got %d", o.LocalGB)
	case o.HypervisorType == "":
		return bad("hypervisor type is empty")
	case o.HypervisorVersion < 0:
		return bad("hypervisor version must be >= 0, got %d", o.HypervisorVersion)
	case !positive(o.LinkBandwidthMiBps):
		return bad("link bandwidth must be a finite number > 0 MiB/s, got %v", o.LinkBandwidthMiBps)
	case !(o.DefaultDirtyRateMiBps >= 0) || math.IsInf(o.DefaultDirtyRateMiBps, 0):
		return bad("default dirty rate must be a finite number >= 0 MiB/s, got %v", o.DefaultDirtyRateMiBps)
	case o.MonitorInterval <= 0:
		return bad("monitor interval must be > 0, got %s", o.MonitorInterval)
	}
	if err := o.Migration.Validate(); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	return nil
}
