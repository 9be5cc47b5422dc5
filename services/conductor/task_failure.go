package conductor

import (
	"context"
	"errors"
	"log/slog"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
)

// faultMessageMax bounds the message of a fault the conductor records.
// Nova cuts fault messages at 255 bytes, its column's width. Ours has no
// column, and a NoValidHost's message begins with nova's fixed sentences:
// the filter results that say which constraint emptied the host list come
// after them, and 255 bytes would cut exactly those off.
const faultMessageMax = 4096

// userMessage is the message of err as a user should read it: for a
// NoValidHost from the scheduler its own message ("No valid host was
// found. <reason>"), not the RPC layer's wrapping of it.
func userMessage(err error) string {
	var nvh *exception.NoValidHost
	if errors.As(err, &nvh) {
		return nvh.Error()
	}
	return err.Error()
}

// newFault is nova's add_instance_fault_from_exc for an error of the
// conductor: code 500, the user's message, the whole chain as details, and
// this conductor as the host that recorded it.
func (t *TaskManager) newFault(instanceUUID string, cause error) *objects.InstanceFault {
	return objects.NewInstanceFault(instanceUUID, t.host, userMessage(cause), faultMessageMax, cause)
}

// buryInstance puts an instance that will not be built in ERROR with a
// fault saying why, and finishes the conductor's event with the error:
// nova's _bury_in_cell0 and set_vm_state_and_notify. The instance is left
// on no host and with no task, so that a delete needs no compute. The
// write expects task_state scheduling, which the conductor set: an
// instance a user started deleting meanwhile is the delete's to finish.
func (t *TaskManager) buryInstance(ctx context.Context, log *slog.Logger, uuid string, cause error) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	log = log.With("instance_uuid", uuid)
	upd := new(objects.Instance)
	upd.UUID.Set(uuid)
	upd.VMState.Set(objects.VMStateError)
	upd.TaskState.SetNull()
	upd.Host.SetNull()
	upd.Node.SetNull()
	upd.Fault.Set(t.newFault(uuid, cause))
	err := t.store.Instances.Save(ctx, upd, objects.TaskScheduling)
	switch {
	case err == nil:
		log.Info("instance set to ERROR", "reason", userMessage(cause))
	case instanceGone(err):
		log.Info("instance deleted or being deleted before it could be set to ERROR", "reason", userMessage(cause), "error", err)
	default:
		log.Error("instance could not be set to ERROR", "reason", userMessage(cause), "error", err)
	}
	t.eventFinish(ctx, log, uuid, EventScheduleAndBuildInstances, cause)
}

// releaseClaims drops whatever the instances hold in placement (nova's
// delete_allocation_for_instance), for builds that stop after the
// scheduler may have claimed for them. Releasing nothing is not an error.
func (t *TaskManager) releaseClaims(ctx context.Context, log *slog.Logger, uuids ...string) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	for _, uuid := range uuids {
		released, err := t.placement.ReleaseConsumer(ctx, uuid)
		if err != nil {
			log.Error("claims in placement not released; they hold room until the instance is deleted", "instance_uuid", uuid, "error", err)
			continue
		}
		if len(released) > 0 {
			log.Info("claims in placement released", "instance_uuid", uuid, "nodes", len(released))
		}
	}
}

// instanceGone says whether a write failed because the instance was
// deleted, or is being deleted, under the request.
func instanceGone(err error) bool {
	var nf *exception.InstanceNotFound
	var del *exception.UnexpectedDeletingTaskState
	return errors.As(err, &nf) || errors.As(err, &del)
}
