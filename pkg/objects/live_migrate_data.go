package objects

// LiveMigrateData is what source and destination computes tell each other
// while preparing a live migration: nova's LiveMigrateData merged with the
// essentials of LibvirtLiveMigrateData, since novanats has one driver family.
// The destination fills the listen addresses and ports; the source reads
// them back with the shared-storage answers to pick block migration.
type LiveMigrateData struct {
	base[LiveMigrateData]
	Migration               Nullable[*Migration] `obj:"migration"`
	IsVolumeBacked          Field[bool]          `obj:"is_volume_backed"`
	BlockMigration          Field[bool]          `obj:"block_migration"`
	DiskOverCommit          Field[bool]          `obj:"disk_over_commit"`
	DiskAvailableMB         Nullable[int]        `obj:"disk_available_mb"`
	IsSharedInstancePath    Field[bool]          `obj:"is_shared_instance_path"`
	IsSharedBlockStorage    Field[bool]          `obj:"is_shared_block_storage"`
	InstanceRelativePath    Field[string]        `obj:"instance_relative_path"`
	GraphicsListenAddrVNC   Nullable[string]     `obj:"graphics_listen_addr_vnc,ip"`
	GraphicsListenAddrSpice Nullable[string]     `obj:"graphics_listen_addr_spice,ip"`
	SerialListenAddr        Nullable[string]     `obj:"serial_listen_addr"`
	SerialListenPorts       Field[[]int]         `obj:"serial_listen_ports"`
	TargetConnectAddr       Nullable[string]     `obj:"target_connect_addr"`
	// DestHost is the destination compute's host name: the migration
	// URI's host when target_connect_addr is unset.
	DestHost Nullable[string] `obj:"dest_host"`
	// Bandwidth caps the copy in MiB/s, 0 for no cap (nova takes it from
	// the source's live_migration_bandwidth option; we let the conductor
	// decide it per migration).
	Bandwidth Field[int] `obj:"bandwidth,default=0"`
	// PermitPostCopy allows switching to post-copy when pre-copy does
	// not converge (nova: live_migration_permit_post_copy).
	PermitPostCopy    Field[bool] `obj:"permit_post_copy,default=false"`
	WaitForVIFPlugged Field[bool] `obj:"wait_for_vif_plugged,added=1.1"`
}

func init() {
	register[LiveMigrateData](spec{version: "1.1", history: []string{
		"1.0: Initial version",
		"1.1: Added wait_for_vif_plugged",
	}})
}
