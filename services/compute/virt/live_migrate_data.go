package virt

// LiveMigrateCheck is what the destination's pre-check is given (nova's
// check_can_live_migrate_destination arguments).
type LiveMigrateCheck struct {
	Guest      GuestSpec
	SourceHost string
	// BlockMigration: nil lets the drivers decide from the storage layout
	// (nova API 'auto'); true copies local disks; false requires shared
	// instance storage.
	BlockMigration *bool
	// DiskOverCommit skips the destination free-disk check for block
	// migration (nova's disk_over_commit).
	DiskOverCommit bool
}

// LiveMigrateData is the driver-level migrate data passed between the
// pre-checks, pre_live_migration, the migration and its cleanup — a plain Go
// subset of nova's LibvirtLiveMigrateData. The objects package has its own
// LiveMigrateData for the wire; the compute manager converts.
type LiveMigrateData struct {
	SourceHost string
	DestHost   string

	// BlockMigration: local disks are copied with the memory. When the
	// caller left the choice to the drivers, the destination check sets
	// BlockMigrationAuto and CheckCanLiveMigrateSource resolves both from
	// the storage layout (nova: block_migration=None).
	BlockMigration     bool
	BlockMigrationAuto bool
	DiskOverCommit     bool
	// DiskAvailableMB is the destination's free local disk when it ran its
	// check (nova: disk_available_mb).
	DiskAvailableMB int64
	// InstancePathToken is what the destination leaves in its instances
	// path during its check; a source that can see it shares the storage
	// (nova: 'filename' of the shared-storage test file).
	InstancePathToken string
	// IsSharedInstancePath is set by the source check (nova:
	// is_shared_instance_path).
	IsSharedInstancePath bool
}
