package compute

import (
	"context"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
)

// faultMessageMax is the length of instance_faults.message in nova's
// schema; longer messages are cut, as nova's safe_truncate does.
const faultMessageMax = 255

// newFault is nova's add_instance_fault_from_exc for an error of this
// host: the error's message for the user, its full chain for the operator.
func newFault(instanceUUID, host string, err error) *objects.InstanceFault {
	return objects.NewInstanceFault(instanceUUID, host, err.Error(), faultMessageMax, err)
}

// errorUpdate is the start of an update putting an instance in ERROR
// (nova's _set_instance_obj_error_state): a fresh object carrying only the
// uuid and vm_state, to which the caller adds what else changes. Nova
// clears task_state when the operation will not go on (a build) and keeps
// it otherwise (a failed delete shows it was deleting). A fresh object
// writes exactly that, whatever a failed save left in the caller's copy.
func errorUpdate(uuid string) *objects.Instance {
	upd := new(objects.Instance)
	upd.UUID.Set(uuid)
	upd.VMState.Set(objects.VMStateError)
	return upd
}

// saveErrorState saves an errorUpdate. An instance deleted meanwhile is
// not an error.
func (m *Manager) saveErrorState(ctx context.Context, upd *objects.Instance) {
	log := rpc.Logger(ctx, m.log).With("instance_uuid", upd.UUID.Get())
	err := m.conductor.SaveInstance(ctx, upd)
	switch {
	case err == nil:
		log.Info("instance set to ERROR")
	case isInstanceNotFound(err):
		log.Debug("instance destroyed from under us while setting it to ERROR")
	default:
		log.Error("instance could not be set to ERROR", "error", err)
	}
}
