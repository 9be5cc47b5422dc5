package compute

import (
	"context"
	"errors"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/virt"
)

// rollbackOptions say how a live migration ended and what to undo.
type rollbackOptions struct {
	status objects.MigrationStatus
	cause  error
	// destPrepared: pre_live_migration was called on the destination
	// (whether or not it succeeded), so the destination has something to
	// roll back.
	destPrepared bool
	// guestLost: the hypervisor lost the guest (post-copy failure, source
	// process death): the instance is put in ERROR, to be rebuilt or
	// hard-rebooted by an operator.
	guestLost bool
}

// rollbackLiveMigration is nova's _rollback_live_migration on the source:
// placement goes back to before the migration (the instance's claim on
// the destination released, the source allocation moved back from the
// migration consumer to the instance), the instance stays on the source
// with no task, the destination removes what it prepared (a cast, as
// nova's), and the migration gets its final status last, so that whoever
// waits on the status sees everything else done.
func (m *Manager) rollbackLiveMigration(ctx context.Context, lm *liveMigration, o rollbackOptions) {
	uuid := lm.uuid()
	// The rollback runs to its end even when a stop gave up waiting: it
	// is what keeps the instance claimed on exactly one host.
	ctx, cancel := m.cleanupContext(ctx)
	defer cancel()
	log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid, "migration_uuid", lm.migration.UUID.Get(), "dest", lm.dest, "status", o.status)
	log.Info("rolling back live migration", "cause", o.cause)

	m.revertAllocation(ctx, uuid, lm.migration.UUID.Get())
	m.resetInstanceAfterLiveMigration(ctx, uuid, o.guestLost, o.cause)
	if o.destPrepared {
		destroyDisks := lm.data == nil || !lm.data.IsSharedInstancePath.Get()
		if err := m.compute.RollbackLiveMigrationAtDestination(ctx, lm.dest, lm.inst, destroyDisks, lm.data); err != nil {
			log.Error("rollback_live_migration_at_destination not sent; the destination keeps its prepared guest until it is cleaned", "error", err)
		}
	}
	m.finishEvent(lm, o.cause) // before the final status, as on success
	if err := m.setMigrationStatus(ctx, lm.migration, o.status); err != nil {
		log.Error("migration final status not saved", "error", err)
	}
	lm.tracker.Finish(string(o.status), 0)
}

// revertAllocation is nova's _revert_allocation: the migration consumer's
// allocation on the source goes back to the instance, whose own
// allocations (the destination claim) are dropped. Nothing held by the
// migration (the conductor never moved it) changes nothing.
func (m *Manager) revertAllocation(ctx context.Context, instanceUUID, migrationUUID string) {
	log := rpc.Logger(ctx, m.log).With("instance_uuid", instanceUUID, "migration_uuid", migrationUUID)
	r, err := m.api.MoveAllocations(ctx, migrationUUID, instanceUUID)
	if err != nil {
		log.Error("allocations not reverted in placement", "error", err)
		return
	}
	log.Info("allocations reverted to the instance", "moved", len(r.Moved), "released", len(r.Released))
}

// resetInstanceAfterLiveMigration leaves the instance on this host with no
// task and no progress, and its power state as the hypervisor has it;
// in ERROR with a fault when the guest was lost or is not here.
func (m *Manager) resetInstanceAfterLiveMigration(ctx context.Context, uuid string, lost bool, cause error) {
	log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid)
	upd := new(objects.Instance)
	upd.UUID.Set(uuid)
	upd.ObjResetChanges()
	upd.TaskState.SetNull()
	upd.Progress.Set(0)
	power, err := m.driver.PowerState(uuid)
	switch {
	case errors.Is(err, virt.ErrInstanceNotFound):
		lost = true
		power = virt.PowerNoState
		if cause == nil {
			cause = errors.New("the guest is not on its source host after the live migration")
		}
	case err != nil:
		log.Warn("power state not read after the live migration", "error", err)
	default:
		upd.PowerState.Set(objects.PowerState(power))
	}
	if lost || power == virt.PowerCrashed {
		upd.VMState.Set(objects.VMStateError)
		upd.PowerState.Set(objects.PowerState(power))
		if cause != nil {
			upd.Fault.Set(newFault(uuid, m.host, cause))
		}
	}
	err = m.conductor.SaveInstance(ctx, upd, objects.TaskMigrating)
	var ute *exception.UnexpectedTaskState
	switch {
	case err == nil:
	case isInstanceNotFound(err):
		log.Info("instance deleted during the live migration")
	case errors.As(err, &ute):
		// Someone else (a delete) took the instance: leave it to them.
		log.Warn("instance no longer migrating; task state left alone", "error", err)
	default:
		log.Error("instance not reset after the live migration", "error", err)
	}
}

// cancelQueued undoes a live migration that never left the queue (an
// abort, or a stopping compute): nothing happened on either hypervisor,
// so only placement and the records change. The migration is cancelled.
func (m *Manager) cancelQueued(lm *liveMigration, cause error) {
	ctx, cancel := m.cleanupContext(lm.ctx)
	defer cancel()
	log := rpc.Logger(ctx, m.log).With("instance_uuid", lm.uuid(), "migration_uuid", lm.migration.UUID.Get())
	m.revertAllocation(ctx, lm.uuid(), lm.migration.UUID.Get())
	m.resetInstanceAfterLiveMigration(ctx, lm.uuid(), false, nil)
	m.finishEvent(lm, cause) // before the final status, as on success
	if err := m.setMigrationStatus(ctx, lm.migration, objects.MigrationCancelled); err != nil {
		log.Error("migration not marked cancelled", "error", err)
	}
	if lm.tracker != nil {
		lm.tracker.Finish(string(objects.MigrationCancelled), 0)
	}
	log.Info("queued live migration cancelled")
}

// rollbackLiveMigrationAtDestination is nova's
// rollback_live_migration_at_destination: the driver removes the guest it
// prepared, and this host stops counting the instance it was to receive.
func (m *Manager) rollbackLiveMigrationAtDestination(ctx context.Context, args RollbackLiveMigrationAtDestinationArgs) error {
	name := RollbackLiveMigrationAtDestination.Spec.Name
	inst, err := m.decodeInstance(ctx, name, args.Instance)
	if err != nil {
		return err
	}
	data, err := m.decodeMigrateData(ctx, name, args.MigrateData, false)
	if err != nil {
		return err
	}
	uuid := inst.UUID.Get()
	return m.withInstanceEvent(ctx, EventRollbackLiveMigrationAtDestination, uuid, func(ctx context.Context) error {
		log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid)
		if inst.Host.Get() == m.host {
			// The instance is ours: a late or repeated rollback must not
			// remove a guest that arrived.
			log.Warn("rollback at destination for an instance this host owns; ignored")
			return nil
		}
		err := m.driver.RollbackLiveMigrationAtDestination(ctx, uuid, toVirtMigrateData(inst, data))
		if err != nil {
			log.Error("rollback live migration at destination failed", "error", err)
			return err
		}
		m.rt.dropIncoming(ctx, uuid)
		log.Info("live migration rolled back at destination")
		return nil
	})
}
