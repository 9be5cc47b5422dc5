package compute

import (
	"context"
	"errors"
	"fmt"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/virt"
)

// terminateInstance is nova's terminate_instance, recorded as the
// compute_terminate_instance event. It runs on the RPC worker, as in nova,
// after any build of the same instance (the instance lock): a delete
// that arrives mid-build deletes what the build made.
func (m *Manager) terminateInstance(ctx context.Context, args TerminateInstanceArgs) error {
	inst, err := m.decodeInstance(ctx, TerminateInstance.Spec.Name, args.Instance)
	if err != nil {
		return err
	}
	uuid := inst.UUID.Get()
	unlock, err := m.locks.lock(ctx, uuid)
	if err != nil {
		return fmt.Errorf("terminate of %s not started: %w", uuid, err)
	}
	defer unlock()
	return m.withInstanceEvent(ctx, EventTerminateInstance, uuid, func(ctx context.Context) error {
		log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid)
		err := m.deleteInstance(ctx, inst)
		switch {
		case err == nil:
			return nil
		case isInstanceNotFound(err):
			log.Info("instance disappeared during terminate")
			return nil
		}
		log.Error("terminate failed; setting the instance to ERROR", "error", err)
		cctx, cancel := m.cleanupContext(ctx)
		defer cancel()
		m.saveErrorState(cctx, errorUpdate(uuid))
		return err
	})
}

// deleteInstance is nova's _delete_instance: the guest goes from the
// hypervisor, the record is marked deleted, then the deletion completes.
func (m *Manager) deleteInstance(ctx context.Context, inst *objects.Instance) error {
	uuid := inst.UUID.Get()
	// nova's API marks the instance deleting before it casts; there is no
	// API service yet, so the compute does it when the caller did not.
	if ts, _ := inst.TaskState.Lookup(); ts != objects.TaskDeleting {
		inst.TaskState.Set(objects.TaskDeleting)
		if err := m.conductor.SaveInstance(ctx, inst); err != nil {
			return err
		}
	}
	rpc.Logger(ctx, m.log).Info("terminating instance", "instance_uuid", uuid)
	// nova's _shutdown_instance; a guest already gone is what we want.
	if err := m.driver.Destroy(ctx, uuid); err != nil && !errors.Is(err, virt.ErrInstanceNotFound) {
		return fmt.Errorf("destroy %s on the hypervisor: %w", uuid, err)
	}
	inst.VMState.Set(objects.VMStateDeleted)
	inst.TaskState.SetNull()
	inst.PowerState.Set(objects.PowerNoState)
	inst.TerminatedAt.Set(m.now())
	if err := m.conductor.SaveInstance(ctx, inst); err != nil {
		return err
	}
	return m.completeDeletion(ctx, inst)
}

// completeDeletion is nova's _complete_deletion followed by destroy: the
// usage goes from the node, the claim from placement, and only then the
// record, so that a failed release leaves a vm_state deleted record that
// the next start finishes deleting (nova's _complete_partial_deletion).
func (m *Manager) completeDeletion(ctx context.Context, inst *objects.Instance) error {
	uuid := inst.UUID.Get()
	m.rt.removeInstance(ctx, uuid)
	released, err := m.api.DeleteAllocationForInstance(ctx, uuid)
	if err != nil {
		return fmt.Errorf("release allocations of %s in placement: %w", uuid, err)
	}
	if err := m.conductor.Destroy(ctx, inst); err != nil {
		return err
	}
	rpc.Logger(ctx, m.log).Info("instance deleted", "instance_uuid", uuid, "allocations_released_on", len(released))
	return nil
}
