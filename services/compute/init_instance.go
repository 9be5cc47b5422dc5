package compute

import (
	"context"
	"slices"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
)

// buildTaskStates are the task states of a build before the guest runs:
// an instance found in one at start was being built when the compute
// stopped, and nova gives up on it.
var buildTaskStates = []objects.TaskState{
	objects.TaskScheduling, objects.TaskBlockDeviceMapping, objects.TaskNetworking, objects.TaskSpawning,
}

// initInstance is nova's _init_instance: an instance placed on this host
// that the previous run of the compute left mid-operation is finished or
// failed, so that nothing stays in a transitional state for ever. The
// cases are nova's, in nova's order; a failure is logged and never stops
// the compute from starting.
func (m *Manager) initInstance(ctx context.Context, inst *objects.Instance) {
	uuid := inst.UUID.Get()
	log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid)
	if inst.Host.Get() != m.host {
		log.Warn("instance is not owned by this host; skipping it at start", "owner", inst.Host.Get())
		return
	}
	vm, _ := inst.VMState.Lookup()
	ts, _ := inst.TaskState.Lookup()
	switch {
	case vm == objects.VMStateSoftDeleted,
		vm == objects.VMStateError && ts != objects.TaskResizeMigrating && ts != objects.TaskDeleting:
		log.Debug("instance needs nothing at start", "vm_state", vm)

	case vm == objects.VMStateDeleted:
		// Deleted on the hypervisor and marked so, but the deletion did
		// not complete (nova's _complete_partial_deletion).
		log.Info("completing the deletion of an instance marked deleted")
		if err := m.completeDeletion(ctx, inst); err != nil && !isInstanceNotFound(err) {
			log.Error("failed to complete a deletion", "error", err)
		}

	case vm == objects.VMStateBuilding || slices.Contains(buildTaskStates, ts):
		log.Info("instance failed to spawn correctly; setting it to ERROR", "vm_state", vm, "task_state", ts)
		upd := errorUpdate(uuid)
		upd.TaskState.SetNull()
		m.saveErrorState(ctx, upd)

	case ts == objects.TaskDeleting:
		log.Info("the previous run started deleting the instance but did not finish; deleting it now")
		if err := m.deleteInstance(ctx, inst); err != nil && !isInstanceNotFound(err) {
			log.Error("failed to complete a deletion", "error", err)
			m.saveErrorState(ctx, errorUpdate(uuid))
		}

	case ts == objects.TaskMigrating:
		// nova's _reset_live_migration.
		m.resetLiveMigration(ctx, inst)

	default:
		// Power state sync and guests to resume after a host reboot
		// (nova's resume_guests_state_on_host_boot) are not modelled yet.
	}
}
