package compute

import (
	"context"
	"errors"
	"fmt"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/migrationmetrics"
	"github.com/novanats/novanats/services/compute/virt"
)

// postLiveMigration is nova's _post_live_migration on the source, once
// the guest runs on the destination: the source's hypervisor forgets the
// guest, the destination takes the instance (host, node, task_state none:
// post_live_migration_at_destination), the migration is completed, the
// source stops counting the instance and placement releases what the
// migration consumer held on the source.
func (m *Manager) postLiveMigration(ctx context.Context, lm *liveMigration, final virt.JobStats) {
	uuid := lm.uuid()
	log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid, "migration_uuid", lm.migration.UUID.Get(), "dest", lm.dest)
	log.Info("post live migration started")
	lm.tracker.Enter(migrationmetrics.PhasePost)
	// The guest already left this hypervisor: what follows records it,
	// so it runs to the end even when a stop gave up waiting.
	ctx, cancel := m.cleanupContext(ctx)
	defer cancel()
	vdata := toVirtMigrateData(lm.inst, lm.data)
	if err := m.driver.PostLiveMigrationAtSource(ctx, uuid, vdata); err != nil {
		log.Warn("post live migration at source failed; continuing", "error", err)
	}

	// The destination takes the instance. Nova logs a failure here and
	// goes on cleaning the source, leaving the record on the source for
	// an operator; the guest runs on the destination whatever the call
	// says, so we put the record there, in ERROR, with a fault.
	var postErr error
	if err := m.compute.WithLongRPCTimeout(m.cfg.longRPCTimeout(), m.cfg.rpcTimeout()).
		PostLiveMigrationAtDestination(ctx, lm.dest, lm.inst, lm.block, lm.data); err != nil {
		postErr = fmt.Errorf("post_live_migration_at_destination on %s: %w", lm.dest, err)
		log.Error("post live migration at destination failed; moving the record to the destination in ERROR", "error", err)
		m.forceInstanceToDest(ctx, lm, postErr)
	}

	m.rt.removeInstance(ctx, uuid)
	// nova's _delete_allocation_after_move: the source node's allocation
	// moved to the migration consumer before scheduling; it goes now.
	// Nova saves completed first; we save it last, so that a migration
	// seen completed has nothing of it left on the source.
	if released, err := m.api.DeleteAllocationForInstance(ctx, lm.migration.UUID.Get()); err != nil {
		log.Error("source allocation of the migration not released in placement", "error", err)
	} else {
		log.Info("source allocation of the migration released", "nodes", len(released))
	}
	// The action's event is finished before the final status, so a
	// client that sees the status sees the whole timeline too.
	m.finishEvent(lm, postErr)
	if err := m.setMigrationStatus(ctx, lm.migration, objects.MigrationCompleted); err != nil {
		log.Error("migration not marked completed", "error", err)
	}
	lm.tracker.Finish(string(objects.MigrationCompleted), final.Downtime)
	log.Info("live migration completed", "downtime", final.Downtime)
}

// forceInstanceToDest is the source's fallback when the destination could
// not finish the instance: the record follows the guest.
func (m *Manager) forceInstanceToDest(ctx context.Context, lm *liveMigration, cause error) {
	upd := errorUpdate(lm.uuid())
	upd.Host.Set(lm.dest)
	if node, ok := lm.migration.DestNode.Lookup(); ok && node != "" {
		upd.Node.Set(node)
	} else {
		upd.Node.Set(lm.dest)
	}
	upd.TaskState.SetNull()
	upd.Fault.Set(newFault(lm.uuid(), m.host, cause))
	m.saveErrorState(ctx, upd)
}

// postLiveMigrationAtDestination is nova's
// post_live_migration_at_destination on the destination: the driver
// finishes the guest, and the instance becomes this host's (host, node,
// power state, task_state none, progress 0), saved only if it is still
// migrating. A driver failure still moves the record here, in ERROR, as
// nova does: the guest runs here either way.
func (m *Manager) postLiveMigrationAtDestination(ctx context.Context, args PostLiveMigrationAtDestinationArgs) (rpc.NoReply, error) {
	name := PostLiveMigrationAtDestination.Spec.Name
	inst, err := m.decodeInstance(ctx, name, args.Instance)
	if err != nil {
		return rpc.NoReply{}, err
	}
	data, err := m.decodeMigrateData(ctx, name, args.MigrateData, false)
	if err != nil {
		return rpc.NoReply{}, err
	}
	uuid := inst.UUID.Get()
	err = m.withInstanceEvent(ctx, EventPostLiveMigrationAtDestination, uuid, func(ctx context.Context) error {
		log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid, "source", inst.Host.Get())
		log.Info("post operation of migration started")
		driverErr := m.driver.PostLiveMigrationAtDestination(ctx, uuid, toVirtMigrateData(inst, data))
		if driverErr != nil {
			log.Error("unexpected error during post live migration at destination", "error", driverErr)
			inst.VMState.Set(objects.VMStateError)
		}
		power, perr := m.driver.PowerState(uuid)
		if perr != nil {
			power = virt.PowerNoState
		}
		inst.Host.Set(m.host)
		inst.Node.Set(m.rt.Nodename())
		inst.PowerState.Set(objects.PowerState(power))
		inst.TaskState.SetNull()
		inst.Progress.Set(0)
		if err := m.conductor.SaveInstance(ctx, inst, objects.TaskMigrating); err != nil {
			return errors.Join(driverErr, fmt.Errorf("save the instance on %s: %w", m.host, err))
		}
		m.rt.trackArrived(ctx, inst)
		return driverErr
	})
	return rpc.NoReply{}, err
}
