package objects

// MigrationType is nova's MigrationType enum. Unlike states it is checked on
// the wire: a value an older receiver does not know needs a version bump.
type MigrationType string

const (
	MigrationTypeMigration     MigrationType = "migration"
	MigrationTypeResize        MigrationType = "resize"
	MigrationTypeLiveMigration MigrationType = "live-migration"
	MigrationTypeEvacuation    MigrationType = "evacuation"
)

func (MigrationType) validValues() []string {
	return []string{"migration", "resize", "live-migration", "evacuation"}
}

// MigrationStatus is Migration.status, a plain string in nova. These are the
// values a live migration goes through: accepted by the API, queued and
// preparing on the source, running (or running post-copy) while the
// hypervisor copies memory, then completed, or failed/error/cancelled.
type MigrationStatus string

const (
	MigrationAccepted  MigrationStatus = "accepted"
	MigrationQueued    MigrationStatus = "queued"
	MigrationPreparing MigrationStatus = "preparing"
	MigrationRunning   MigrationStatus = "running"
	MigrationPostCopy  MigrationStatus = "running (post-copy)"
	MigrationCompleted MigrationStatus = "completed"
	MigrationFailed    MigrationStatus = "failed"
	MigrationError     MigrationStatus = "error"
	MigrationCancelled MigrationStatus = "cancelled"
)

// Migration tracks one move of an instance between hosts. The memory_* and
// disk_* counters are bytes, reported by the source while the copy runs.
type Migration struct {
	base[Migration]
	ID              Field[int]                `obj:"id"`
	UUID            Field[string]             `obj:"uuid,uuid,required"`
	InstanceUUID    Nullable[string]          `obj:"instance_uuid,uuid"`
	SourceCompute   Nullable[string]          `obj:"source_compute"`
	DestCompute     Nullable[string]          `obj:"dest_compute"`
	SourceNode      Nullable[string]          `obj:"source_node"`
	DestNode        Nullable[string]          `obj:"dest_node"`
	DestHost        Nullable[string]          `obj:"dest_host"`
	Status          Nullable[MigrationStatus] `obj:"status"`
	MigrationType   Field[MigrationType]      `obj:"migration_type"`
	Hidden          Field[bool]               `obj:"hidden,default=false"`
	UserID          Nullable[string]          `obj:"user_id"`
	ProjectID       Nullable[string]          `obj:"project_id"`
	MemoryTotal     Nullable[int]             `obj:"memory_total,added=1.1"`
	MemoryProcessed Nullable[int]             `obj:"memory_processed,added=1.1"`
	MemoryRemaining Nullable[int]             `obj:"memory_remaining,added=1.1"`
	DiskTotal       Nullable[int]             `obj:"disk_total,added=1.1"`
	DiskProcessed   Nullable[int]             `obj:"disk_processed,added=1.1"`
	DiskRemaining   Nullable[int]             `obj:"disk_remaining,added=1.1"`
	Persistent
}

func init() {
	register[Migration](spec{version: "1.1", history: []string{
		"1.0: Initial version",
		"1.1: Added memory_* and disk_* progress counters",
	}})
}

// IsLiveMigration reports whether this is a live migration.
func (m *Migration) IsLiveMigration() bool {
	return m.MigrationType.Get() == MigrationTypeLiveMigration
}
