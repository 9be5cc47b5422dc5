package objects

import (
	"fmt"
	"time"
)

// Instance is a server: nova's Instance with the fields the control plane
// uses. The flat memory_mb/vcpus/root_gb/ephemeral_gb copy the flavor at
// build time, as nova keeps them.
type Instance struct {
	base[Instance]
	ID               Field[int]               `obj:"id"`
	UUID             Field[string]            `obj:"uuid,uuid,required"`
	UserID           Nullable[string]         `obj:"user_id"`
	ProjectID        Nullable[string]         `obj:"project_id"`
	DisplayName      Nullable[string]         `obj:"display_name"`
	Hostname         Nullable[string]         `obj:"hostname"`
	ImageRef         Nullable[string]         `obj:"image_ref"`
	Host             Nullable[string]         `obj:"host"`
	Node             Nullable[string]         `obj:"node"`
	LaunchedOn       Nullable[string]         `obj:"launched_on"`
	AvailabilityZone Nullable[string]         `obj:"availability_zone"`
	VMState          Nullable[VMState]        `obj:"vm_state"`
	TaskState        Nullable[TaskState]      `obj:"task_state"`
	PowerState       Nullable[PowerState]     `obj:"power_state"`
	MemoryMB         Nullable[int]            `obj:"memory_mb"`
	VCPUs            Nullable[int]            `obj:"vcpus"`
	RootGB           Nullable[int]            `obj:"root_gb"`
	EphemeralGB      Nullable[int]            `obj:"ephemeral_gb"`
	Flavor           Field[*Flavor]           `obj:"flavor"`
	Progress         Nullable[int]            `obj:"progress"`
	LaunchedAt       Nullable[time.Time]      `obj:"launched_at"`
	TerminatedAt     Nullable[time.Time]      `obj:"terminated_at"`
	Locked           Field[bool]              `obj:"locked,default=false"`
	Metadata         Field[map[string]string] `obj:"metadata"`
	Hidden           Field[bool]              `obj:"hidden,added=1.1,default=false"`
	Fault            Nullable[*InstanceFault] `obj:"fault,added=1.2"`
	Persistent
}

func init() {
	register[Instance](spec{version: "1.2", history: []string{
		"1.0: Initial version",
		"1.1: Added hidden",
		"1.2: Added fault",
	}})
}

// Name is the hypervisor's name for the instance, nova's default
// instance_name_template "instance-%08x" of the database id, or the UUID
// before the instance has an id.
func (i *Instance) Name() string {
	if i.ID.IsSet() {
		return fmt.Sprintf("instance-%08x", i.ID.Get())
	}
	return i.UUID.Get()
}
