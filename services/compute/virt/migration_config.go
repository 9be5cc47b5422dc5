package virt

import "fmt"

// TimeoutAction is nova's [libvirt]live_migration_timeout_action.
type TimeoutAction string

const (
	// TimeoutActionAbort cancels the migration; the guest stays on the source.
	TimeoutActionAbort TimeoutAction = "abort"
	// TimeoutActionForceComplete switches to post-copy if permitted, else
	// pauses the guest so the next pre-copy pass converges.
	TimeoutActionForceComplete TimeoutAction = "force_complete"
)

// Minimums nova's option definitions enforce (nova/conf/libvirt.py).
const (
	MinDowntimeMs    = 100 // live_migration_downtime min
	MinDowntimeSteps = 3   // live_migration_downtime_steps min
	MinDowntimeDelay = 3   // live_migration_downtime_delay min, seconds per GiB
)

// MigrationConfig holds nova's [libvirt] live-migration options, under their
// nova names, with nova's defaults from DefaultMigrationConfig.
type MigrationConfig struct {
	// DowntimeMs is live_migration_downtime: the target maximum time the
	// guest may be paused for the final memory copy, in ms. Default 500,
	// minimum 100.
	DowntimeMs int
	// DowntimeSteps is live_migration_downtime_steps: how many increments
	// it takes to reach DowntimeMs. Default 10, minimum 3.
	DowntimeSteps int
	// DowntimeDelay is live_migration_downtime_delay: seconds between
	// downtime increments, per GiB of RAM+disk to transfer. Default 75,
	// minimum 3.
	DowntimeDelay int
	// CompletionTimeout is live_migration_completion_timeout: seconds per
	// GiB of RAM+disk allowed for the whole migration before
	// TimeoutAction is taken. Default 800; 0 disables the timeout.
	CompletionTimeout int
	// TimeoutAction is live_migration_timeout_action. Default abort.
	TimeoutAction TimeoutAction
	// PermitPostCopy is live_migration_permit_post_copy. Default false.
	PermitPostCopy bool
	// PermitAutoConverge is live_migration_permit_auto_converge. Default
	// false. Ignored when post-copy is permitted, as in nova.
	PermitAutoConverge bool
	// BandwidthMiBps is live_migration_bandwidth: the cap the hypervisor
	// may use, in MiB/s. Default 0: the hypervisor decides (link speed).
	BandwidthMiBps int
}

// DefaultMigrationConfig returns nova's defaults.
func DefaultMigrationConfig() MigrationConfig {
	return MigrationConfig{
		DowntimeMs:        500,
		DowntimeSteps:     10,
		DowntimeDelay:     75,
		CompletionTimeout: 800,
		TimeoutAction:     TimeoutActionAbort,
	}
}

// Validate rejects values nova's option definitions reject at start-up
// (oslo.config enforces min and choices), naming the nova option.
func (c MigrationConfig) Validate() error {
	switch {
	case c.DowntimeMs < MinDowntimeMs:
		return fmt.Errorf("%w: live_migration_downtime %d ms is below the minimum %d ms", ErrInvalidInput, c.DowntimeMs, MinDowntimeMs)
	case c.DowntimeSteps < MinDowntimeSteps:
		return fmt.Errorf("%w: live_migration_downtime_steps %d is below the minimum %d", ErrInvalidInput, c.DowntimeSteps, MinDowntimeSteps)
	case c.DowntimeDelay < MinDowntimeDelay:
		return fmt.Errorf("%w: live_migration_downtime_delay %d s is below the minimum %d s", ErrInvalidInput, c.DowntimeDelay, MinDowntimeDelay)
	case c.CompletionTimeout < 0:
		return fmt.Errorf("%w: live_migration_completion_timeout %d must be >= 0 (0 disables it)", ErrInvalidInput, c.CompletionTimeout)
	case c.TimeoutAction != TimeoutActionAbort && c.TimeoutAction != TimeoutActionForceComplete:
		return fmt.Errorf("%w: live_migration_timeout_action %q must be %q or %q", ErrInvalidInput, c.TimeoutAction, TimeoutActionAbort, TimeoutActionForceComplete)
	case c.BandwidthMiBps < 0:
		return fmt.Errorf("%w: live_migration_bandwidth %d MiB/s must be >= 0 (0: hypervisor default)", ErrInvalidInput, c.BandwidthMiBps)
	}
	return nil
}

// PostCopyEnabled reports whether migrations start with post-copy allowed
// (nova: VIR_MIGRATE_POSTCOPY in the migration flags).
func (c MigrationConfig) PostCopyEnabled() bool { return c.PermitPostCopy }

// AutoConvergeEnabled reports whether migrations start with auto-converge
// (nova's _handle_live_migration_auto_converge: only when post-copy is not
// in use, because post-copy already bounds the migration).
func (c MigrationConfig) AutoConvergeEnabled() bool {
	return c.PermitAutoConverge && !c.PermitPostCopy
}
