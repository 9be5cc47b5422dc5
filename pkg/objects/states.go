package objects

// VMState is nova's vm_states: the stable state of an instance as its owner
// sees it. Nova sends it as a plain string, not an enum, so a new state does
// not need an Instance version bump; so do we.
type VMState string

const (
	VMStateActive           VMState = "active"
	VMStateBuilding         VMState = "building"
	VMStatePaused           VMState = "paused"
	VMStateSuspended        VMState = "suspended"
	VMStateStopped          VMState = "stopped"
	VMStateRescued          VMState = "rescued"
	VMStateResized          VMState = "resized"
	VMStateSoftDeleted      VMState = "soft-delete"
	VMStateDeleted          VMState = "deleted"
	VMStateError            VMState = "error"
	VMStateShelved          VMState = "shelved"
	VMStateShelvedOffloaded VMState = "shelved_offloaded"
)

// TaskState is nova's task_states: what is happening to an instance right
// now; null when nothing is.
type TaskState string

const (
	TaskScheduling         TaskState = "scheduling"
	TaskBlockDeviceMapping TaskState = "block_device_mapping"
	TaskNetworking         TaskState = "networking"
	TaskSpawning           TaskState = "spawning"
	TaskImageSnapshot      TaskState = "image_snapshot"
	TaskImageUploading     TaskState = "image_uploading"
	TaskResizePrep         TaskState = "resize_prep"
	TaskResizeMigrating    TaskState = "resize_migrating"
	TaskResizeMigrated     TaskState = "resize_migrated"
	TaskResizeFinish       TaskState = "resize_finish"
	TaskResizeReverting    TaskState = "resize_reverting"
	TaskResizeConfirming   TaskState = "resize_confirming"
	TaskRebooting          TaskState = "rebooting"
	TaskRebootingHard      TaskState = "rebooting_hard"
	TaskPausing            TaskState = "pausing"
	TaskUnpausing          TaskState = "unpausing"
	TaskSuspending         TaskState = "suspending"
	TaskResuming           TaskState = "resuming"
	TaskPoweringOff        TaskState = "powering-off"
	TaskPoweringOn         TaskState = "powering-on"
	TaskRescuing           TaskState = "rescuing"
	TaskUnrescuing         TaskState = "unrescuing"
	TaskRebuilding         TaskState = "rebuilding"
	TaskMigrating          TaskState = "migrating" // live migration
	TaskDeleting           TaskState = "deleting"
	TaskSoftDeleting       TaskState = "soft-deleting"
	TaskRestoring          TaskState = "restoring"
	TaskShelving           TaskState = "shelving"
	TaskShelvingOffloading TaskState = "shelving_offloading"
	TaskUnshelving         TaskState = "unshelving"
)

// PowerState is nova's power_state: the hypervisor's view of a domain, with
// the integer values nova took from libvirt's virDomainState (the gaps are
// states nova has since dropped).
type PowerState int

const (
	PowerNoState   PowerState = 0
	PowerRunning   PowerState = 1
	PowerPaused    PowerState = 3
	PowerShutdown  PowerState = 4
	PowerCrashed   PowerState = 6
	PowerSuspended PowerState = 7
)

// String returns nova's name for the state (power_state.STATE_MAP).
func (p PowerState) String() string {
	switch p {
	case PowerNoState:
		return "pending"
	case PowerRunning:
		return "running"
	case PowerPaused:
		return "paused"
	case PowerShutdown:
		return "shutdown"
	case PowerCrashed:
		return "crashed"
	case PowerSuspended:
		return "suspended"
	}
	return "unknown"
}
