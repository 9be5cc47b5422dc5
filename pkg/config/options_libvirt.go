package config

import (
	"github.com/novanats/novanats/services/compute/virt"
)

// Live migration: nova/conf/libvirt.py. Defaults and minimums are the virt
// package's, which implements them.
//
// The three downtime settings clamp instead of failing: a value below
// nova's minimum is raised to it with a warning, as nova's libvirt driver
// did before oslo.config learnt min=, so an old nova.conf still starts.
var libvirtOptions = func() []*Option {
	def := virt.DefaultMigrationConfig()
	return []*Option{
		{
			Group: "libvirt", Name: "live_migration_downtime", Kind: Int, Default: def.DowntimeMs,
			Min: limit(virt.MinDowntimeMs), ClampMin: true,
			Help:     "Longest pause, in ms, allowed for the guest during the final memory copy",
			Services: ServiceCompute,
		},
		{
			Group: "libvirt", Name: "live_migration_downtime_steps", Kind: Int, Default: def.DowntimeSteps,
			Min: limit(virt.MinDowntimeSteps), ClampMin: true,
			Help:     "Number of steps in which the allowed downtime grows to live_migration_downtime",
			Services: ServiceCompute,
		},
		{
			Group: "libvirt", Name: "live_migration_downtime_delay", Kind: Int, Default: def.DowntimeDelay,
			Min: limit(virt.MinDowntimeDelay), ClampMin: true,
			Help:     "Seconds between downtime steps, per GiB of RAM and disk to transfer",
			Services: ServiceCompute,
		},
		{
			Group: "libvirt", Name: "live_migration_completion_timeout", Kind: Int, Default: def.CompletionTimeout,
			Min:      limit(0),
			Help:     "Seconds per GiB of RAM and disk a migration may take before live_migration_timeout_action; 0 never times out",
			Services: ServiceCompute,
		},
		{
			Group: "libvirt", Name: "live_migration_timeout_action", Kind: String, Default: string(def.TimeoutAction),
			Choices:  []string{string(virt.TimeoutActionAbort), string(virt.TimeoutActionForceComplete)},
			Help:     "What to do when a migration times out: abort it, or force_complete (post-copy if permitted, else pause the guest)",
			Services: ServiceCompute,
		},
		{
			Group: "libvirt", Name: "live_migration_permit_post_copy", Kind: Bool, Default: def.PermitPostCopy,
			Help:     "Allow switching a migration to post-copy: the guest runs on the destination while the rest of its memory follows",
			Services: ServiceCompute,
		},
		{
			Group: "libvirt", Name: "live_migration_permit_auto_converge", Kind: Bool, Default: def.PermitAutoConverge,
			Help:     "Throttle the guest's CPU when a migration makes slow progress (only without post-copy)",
			Services: ServiceCompute,
		},
		{
			Group: "libvirt", Name: "live_migration_bandwidth", Kind: Int, Default: def.BandwidthMiBps,
			Min:      limit(0),
			Help:     "Bandwidth cap of a migration in MiB/s; 0 lets the hypervisor choose",
			Services: ServiceCompute,
		},
	}
}()
