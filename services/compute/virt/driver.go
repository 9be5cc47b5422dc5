package virt

import "context"

// Driver is the hypervisor driver interface the compute manager uses,
// modelled on nova's ComputeDriver (nova/virt/driver.py). A Driver serves
// one compute host; every method is safe for concurrent use.
//
// Live migration follows nova's sequence, each step on the host named:
//
//  1. dest:   CheckCanLiveMigrateDestination   (nova: check_can_live_migrate_destination)
//  2. source: CheckCanLiveMigrateSource        (nova: check_can_live_migrate_source)
//  3. dest:   PreLiveMigration                 (nova: pre_live_migration)
//  4. source: LiveMigration, blocking; LiveMigrationAbort / LiveMigrationForceComplete /
//     LiveMigrationStats may be called meanwhile from other goroutines
//  5. on success — source: PostLiveMigrationAtSource; dest: PostLiveMigrationAtDestination
//     on failure — dest: RollbackLiveMigrationAtDestination
type Driver interface {
	// Init prepares the driver to serve host (nova: init_host).
	Init(host string) error

	// Spawn creates and starts a guest (nova: spawn).
	Spawn(ctx context.Context, guest GuestSpec) error
	// Destroy stops the guest and removes it from the host (nova: destroy).
	Destroy(ctx context.Context, uuid string) error
	// PowerState reports the guest's power state (nova: get_info().state).
	PowerState(uuid string) (PowerState, error)
	// ListInstances lists the uuids of the guests on this host, including
	// ones being received by a live migration (nova: list_instance_uuids).
	ListInstances() ([]string, error)
	// GetAvailableResource reports the host's capacity and usage (nova:
	// get_available_resource).
	GetAvailableResource() (HostResources, error)
	// Pause and Unpause freeze and resume the guest's vCPUs (nova: pause /
	// unpause).
	Pause(ctx context.Context, uuid string) error
	Unpause(ctx context.Context, uuid string) error

	// CheckCanLiveMigrateDestination runs on the destination and returns
	// the migrate data for the source check; refusals are
	// *MigrationPreCheckError.
	CheckCanLiveMigrateDestination(ctx context.Context, check LiveMigrateCheck) (LiveMigrateData, error)
	// CheckCanLiveMigrateSource runs on the source with the destination's
	// data, resolves shared storage / block migration and returns the data
	// for the migration; refusals are *MigrationPreCheckError.
	CheckCanLiveMigrateSource(ctx context.Context, uuid string, data LiveMigrateData) (LiveMigrateData, error)
	// PreLiveMigration runs on the destination: it prepares to receive the
	// guest (an incoming, paused guest holding its resources).
	PreLiveMigration(ctx context.Context, guest GuestSpec, data LiveMigrateData) (LiveMigrateData, error)
	// LiveMigration runs on the source and blocks until the migration
	// ends. It runs nova's monitor loop (downtime steps, completion
	// timeout, force-complete tasks) and calls progress, if not nil, from
	// the calling goroutine on every monitor tick and once more with the
	// final stats (Phase completed, failed or cancelled). It returns nil once
	// the guest runs on dest, *MigrationAborted if the migration was
	// cancelled, *MigrationError if it failed.
	LiveMigration(ctx context.Context, uuid, dest string, data LiveMigrateData, progress func(JobStats)) error
	// LiveMigrationAbort cancels the running migration of uuid (nova:
	// live_migration_abort). ErrNoActiveMigration if none, ErrPostCopyAbort
	// once switched to post-copy.
	LiveMigrationAbort(uuid string) error
	// LiveMigrationForceComplete asks the running migration to finish now:
	// post-copy if permitted, else pause the guest (nova:
	// live_migration_force_complete). Like nova, the request is queued and
	// applied at the next monitor tick.
	LiveMigrationForceComplete(uuid string) error
	// LiveMigrationStats returns the latest job stats of the running (or
	// last finished) migration of uuid from this host.
	LiveMigrationStats(uuid string) (JobStats, error)
	// PostLiveMigrationAtSource cleans the source once the guest runs on
	// the destination (nova: post_live_migration_at_source).
	PostLiveMigrationAtSource(ctx context.Context, uuid string, data LiveMigrateData) error
	// PostLiveMigrationAtDestination finalises the guest on the
	// destination (nova: post_live_migration_at_destination).
	PostLiveMigrationAtDestination(ctx context.Context, uuid string, data LiveMigrateData) error
	// RollbackLiveMigrationAtDestination removes what PreLiveMigration
	// prepared after a failed or cancelled migration (nova:
	// rollback_live_migration_at_destination). Idempotent.
	RollbackLiveMigrationAtDestination(ctx context.Context, uuid string, data LiveMigrateData) error
}
