package compute

import (
	"context"
	"errors"
	"fmt"

	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/virt"
)

// InvalidMigrationState is nova's InvalidMigrationState: the migration is
// not in a state the request can act on (aborting a finished migration,
// force-completing one that does not run). Casts have nobody to tell, so
// it is logged and recorded on the request's action event.
type InvalidMigrationState struct {
	MigrationID  int
	InstanceUUID string
	State        string
	Method       string
}

func (e *InvalidMigrationState) Error() string {
	return fmt.Sprintf("migration %d of instance %s is in state %s: cannot %s", e.MigrationID, e.InstanceUUID, e.State, e.Method)
}

func init() { rpc.RegisterError[*InvalidMigrationState]("InvalidMigrationState") }

// liveMigrationAbort is nova's live_migration_abort on the source:
//
//   - queued: removed from the queue before it starts, placement and the
//     instance reverted, cancelled (nova's future.cancel());
//   - preparing: the migration rolls back, cancelled, as soon as the
//     destination answers pre_live_migration (the driver has no job to
//     abort yet);
//   - running: the driver aborts its job; the migration then rolls back
//     and ends cancelled. A job in post-copy cannot be aborted;
//   - anything else (finished, unknown): InvalidMigrationState.
func (m *Manager) liveMigrationAbort(ctx context.Context, args LiveMigrationAbortArgs) error {
	name := LiveMigrationAbort.Spec.Name
	inst, err := m.decodeInstance(ctx, name, args.Instance)
	if err != nil {
		return err
	}
	if args.MigrationID <= 0 {
		return &rpc.MalformedMessage{Reason: name + ": no migration_id"}
	}
	uuid := inst.UUID.Get()
	return m.withInstanceEvent(ctx, EventLiveMigrationAbort, uuid, func(ctx context.Context) error {
		log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid, "migration_id", args.MigrationID)
		err := m.abortLiveMigration(ctx, uuid, args.MigrationID)
		if err != nil {
			log.Error("live migration abort refused", "error", err)
		}
		return err
	})
}

func (m *Manager) abortLiveMigration(ctx context.Context, uuid string, migrationID int) error {
	log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid, "migration_id", migrationID)
	lm := m.lm.get(uuid)
	if lm == nil || lm.migration.ID.Get() != migrationID {
		return m.invalidMigrationState(ctx, uuid, migrationID, "abort live migration")
	}
	if q := m.lm.dequeue(uuid); q != nil {
		log.Info("aborting a queued live migration before it starts")
		m.cancelQueued(q, errors.New("live migration aborted by request while queued"))
		return nil
	}
	lm.mu.Lock()
	phase := lm.phase
	switch phase {
	case lmPreparing:
		lm.abortPending = true
	case lmRunning:
	default:
		lm.mu.Unlock()
		return &InvalidMigrationState{MigrationID: migrationID, InstanceUUID: uuid, State: phase.String(), Method: "abort live migration"}
	}
	lm.mu.Unlock()
	if phase == lmPreparing {
		log.Info("abort of a preparing live migration: it rolls back once the destination answers")
		return nil
	}
	err := m.driver.LiveMigrationAbort(uuid)
	switch {
	case err == nil:
		log.Info("live migration abort requested from the driver")
		return nil
	case errors.Is(err, virt.ErrNoActiveMigration):
		// Running, but the driver's job is not there yet: the progress
		// callback hands the abort on as soon as it is.
		lm.mu.Lock()
		lm.abortPending = true
		lm.mu.Unlock()
		log.Info("live migration abort deferred until the driver's job starts")
		return nil
	case errors.Is(err, virt.ErrPostCopyAbort):
		return &InvalidMigrationState{MigrationID: migrationID, InstanceUUID: uuid, State: "running (post-copy)", Method: "abort live migration"}
	}
	return err
}

// invalidMigrationState reads the migration to say what state it is in.
func (m *Manager) invalidMigrationState(ctx context.Context, uuid string, migrationID int, method string) error {
	state := "not running on " + m.host
	if mig, err := m.conductor.GetMigration(ctx, migrationID); err == nil {
		if st, ok := mig.Status.Lookup(); ok {
			state = string(st)
		}
	} else {
		return fmt.Errorf("%s of migration %d: %w", method, migrationID, err)
	}
	return &InvalidMigrationState{MigrationID: migrationID, InstanceUUID: uuid, State: state, Method: method}
}

// liveMigrationForceComplete is nova's live_migration_force_complete on
// the source: the driver switches the running migration to post-copy when
// permitted, else pauses the guest so the copy converges. Like nova's
// driver, the request is applied at the monitor's next tick.
func (m *Manager) liveMigrationForceComplete(ctx context.Context, args LiveMigrationForceCompleteArgs) error {
	inst, err := m.decodeInstance(ctx, LiveMigrationForceComplete.Spec.Name, args.Instance)
	if err != nil {
		return err
	}
	uuid := inst.UUID.Get()
	return m.withInstanceEvent(ctx, EventLiveMigrationForceComplete, uuid, func(ctx context.Context) error {
		log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid)
		lm := m.lm.get(uuid)
		if lm == nil {
			err := fmt.Errorf("no live migration of %s runs on %s to force-complete", uuid, m.host)
			log.Error("live migration force-complete refused", "error", err)
			return err
		}
		lm.mu.Lock()
		phase := lm.phase
		lm.mu.Unlock()
		if phase != lmRunning {
			err := &InvalidMigrationState{MigrationID: lm.migration.ID.Get(), InstanceUUID: uuid, State: phase.String(), Method: "force complete live migration"}
			log.Error("live migration force-complete refused", "error", err)
			return err
		}
		err := m.driver.LiveMigrationForceComplete(uuid)
		if errors.Is(err, virt.ErrNoActiveMigration) {
			lm.mu.Lock()
			lm.forcePending = true
			lm.mu.Unlock()
			log.Info("live migration force-complete deferred until the driver's job starts")
			return nil
		}
		if err != nil {
			log.Error("live migration force-complete failed", "error", err)
			return err
		}
		log.Info("live migration force-complete requested")
		return nil
	})
}
