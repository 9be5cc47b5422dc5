package compute

import (
	"context"
	"errors"
	"slices"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/virt"
)

// runningLiveMigrationStatuses are the statuses of a live migration that
// its source compute was running: queued, preparing, running, post-copy.
var runningLiveMigrationStatuses = []objects.MigrationStatus{
	objects.MigrationQueued, objects.MigrationPreparing, objects.MigrationRunning, objects.MigrationPostCopy,
}

// resetLiveMigration is nova's _reset_live_migration, for an instance of
// this host found migrating at start: the previous run of this compute
// died with the migration in its hands. Any job the hypervisor still runs
// is aborted, and the migration ends in error. Beyond nova (which leaves
// placement and the destination as they are), the rollback is completed
// so that the instance is claimed on exactly one host, this one: the
// allocations are reverted, and the destination is told to drop what it
// prepared. The instance stays here with no task.
//
// A migration still "accepted" is left alone: the conductor may still be
// checking it, and this compute never had it.
func (m *Manager) resetLiveMigration(ctx context.Context, inst *objects.Instance) {
	uuid := inst.UUID.Get()
	log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid)
	log.Info("instance found migrating at start: resetting its live migration")
	mig, err := m.runningLiveMigrationOf(ctx, uuid)
	if err != nil {
		log.Error("running live migration not looked up; resetting the task state only", "error", err)
	}
	if err := m.driver.LiveMigrationAbort(uuid); err != nil && !errors.Is(err, virt.ErrNoActiveMigration) && !errors.Is(err, virt.ErrInstanceNotFound) {
		log.Warn("hypervisor's live migration job not aborted", "error", err)
	}
	cause := errors.New("the compute service restarted during the live migration")
	if mig != nil {
		log = log.With("migration_uuid", mig.UUID.Get())
		m.revertAllocation(ctx, uuid, mig.UUID.Get())
		if dest := mig.DestCompute.Get(); dest != "" && dest != m.host && m.compute != nil {
			destroyDisks := true
			if err := m.compute.RollbackLiveMigrationAtDestination(ctx, dest, inst, destroyDisks, nil); err != nil {
				log.Warn("rollback_live_migration_at_destination not sent", "dest", dest, "error", err)
			}
		}
	}
	// The guest may have been lost with the hypervisor; an instance whose
	// guest is not here is put in ERROR, with a fault naming why.
	m.resetInstanceAfterLiveMigration(ctx, uuid, false, cause)
	if mig != nil {
		if err := m.setMigrationStatus(ctx, mig, objects.MigrationError); err != nil {
			log.Error("migration not set to error", "error", err)
		} else {
			log.Info("live migration set to error after a restart")
		}
	}
}

// runningLiveMigrationOf finds the instance's live migration from this
// host in one of the running statuses, nil if there is none.
func (m *Manager) runningLiveMigrationOf(ctx context.Context, uuid string) (*objects.Migration, error) {
	migs, err := m.conductor.MigrationsInProgressByHost(ctx, m.host)
	if err != nil {
		return nil, err
	}
	for _, mig := range migs {
		st, _ := mig.Status.Lookup()
		if mig.InstanceUUID.Get() == uuid && mig.IsLiveMigration() && mig.SourceCompute.Get() == m.host &&
			slices.Contains(runningLiveMigrationStatuses, st) {
			mig.ObjResetChanges()
			return mig, nil
		}
	}
	return nil, nil
}

// stopLiveMigrations is nova's _cleanup_live_migrations_in_pool at stop:
// no new migration starts, and those still queued are cancelled (and,
// beyond nova, reverted, so nothing stays migrating). Running migrations
// finish as the stop lets them.
func (m *Manager) stopLiveMigrations() {
	for _, lm := range m.lm.stop() {
		m.cancelQueued(lm, errors.New("the compute service stopped before the live migration started"))
	}
}
