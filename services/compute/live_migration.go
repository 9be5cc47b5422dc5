package compute

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/migrationmetrics"
	"github.com/novanats/novanats/services/compute/virt"
)

// Instance action event names of live migration: nova's
// wrap_instance_event(prefix='compute') on each method.
const (
	EventCheckCanLiveMigrateDestination     = "compute_check_can_live_migrate_destination"
	EventCheckCanLiveMigrateSource          = "compute_check_can_live_migrate_source"
	EventPreLiveMigration                   = "compute_pre_live_migration"
	EventLiveMigration                      = "compute_live_migration"
	EventLiveMigrationAbort                 = "compute_live_migration_abort"
	EventLiveMigrationForceComplete         = "compute_live_migration_force_complete"
	EventPostLiveMigrationAtDestination     = "compute_post_live_migration_at_destination"
	EventRollbackLiveMigrationAtDestination = "compute_rollback_live_migration_at_destination"
)

// DefaultLiveMigrationStatsInterval is how often, in hypervisor time, a
// running migration's memory_* and disk_* counters and the instance's
// progress are saved: nova's monitor saves them every tenth 0.5 s tick.
const DefaultLiveMigrationStatsInterval = 5 * time.Second

func (c Config) liveMigrationStatsInterval() time.Duration {
	if c.LiveMigrationStatsInterval > 0 {
		return c.LiveMigrationStatsInterval
	}
	return DefaultLiveMigrationStatsInterval
}

// longRPCTimeout is nova's long_rpc_timeout, for the calls it makes with
// the call monitor.
func (c Config) longRPCTimeout() time.Duration {
	if c.LongRPCTimeout > 0 {
		return c.LongRPCTimeout
	}
	return DefaultLongRPCTimeout
}

// liveMigration is nova's live_migration on the source: the migration
// becomes queued and waits for a slot of max_concurrent_live_migrations;
// the cast returns at once. The compute_live_migration event spans the
// whole migration, so that its outcome is on the request's action.
func (m *Manager) liveMigration(ctx context.Context, args LiveMigrationArgs) error {
	name := LiveMigration.Spec.Name
	inst, err := m.decodeInstance(ctx, name, args.Instance)
	if err != nil {
		return err
	}
	mig, err := m.decodeMigration(ctx, name, args.Migration)
	if err != nil {
		return err
	}
	data, err := m.decodeMigrateData(ctx, name, args.MigrateData, true)
	if err != nil {
		return err
	}
	if args.Dest == "" || args.Dest == m.host {
		return &rpc.MalformedMessage{Reason: fmt.Sprintf("%s: destination %q is not another host", name, args.Dest)}
	}
	if m.compute == nil {
		return errors.New("compute: live_migration: this manager has no compute client (use NewService)")
	}
	uuid := inst.UUID.Get()
	log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid, "migration_uuid", mig.UUID.Get(), "dest", args.Dest)
	lm := &liveMigration{
		inst: inst, migration: mig, data: data, dest: args.Dest, block: args.BlockMigration,
		ctx: m.work.detach(ctx), phase: lmQueued,
	}
	if !m.lm.reserve(lm) {
		// Stopping, or a migration of this instance is already here:
		// refused before anything is written.
		err := fmt.Errorf("live migration of %s not accepted: compute %s is stopping or already migrating it", uuid, m.host)
		log.Error("live migration refused", "error", err)
		return err
	}
	if _, err := m.conductor.EventStart(ctx, uuid, EventLiveMigration, m.host); err != nil {
		log.Warn("instance action event not started", "event", EventLiveMigration, "error", err)
	} else {
		lm.eventStarted = true
	}
	if err := m.setMigrationStatus(ctx, mig, objects.MigrationQueued); err != nil {
		m.lm.drop(lm, m.doLiveMigration)
		m.finishEvent(lm, err)
		return err
	}
	lm.tracker = m.mm.Track(mig.UUID.Get(), uuid, string(objects.MigrationQueued))
	lm.tracker.Enter(migrationmetrics.PhaseQueued)
	if !m.lm.activate(lm, m.doLiveMigration) {
		// The compute began stopping while the migration was queued.
		err := fmt.Errorf("live migration of %s not started: compute %s is stopping", uuid, m.host)
		log.Error("live migration not started", "error", err)
		m.cancelQueued(lm, err)
		return err
	}
	running, queued, _ := m.lm.stats()
	log.Info("live migration queued", "running", running, "queued", queued, "max_concurrent_live_migrations", m.cfg.MaxConcurrentLiveMigrations)
	return nil
}

// doLiveMigration is nova's _do_live_migration, when the executor gives
// the migration its slot: preparing, pre_live_migration on the
// destination, running, the driver's migration, then post or rollback.
func (m *Manager) doLiveMigration(lm *liveMigration) {
	ctx := lm.ctx
	uuid := lm.uuid()
	log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid, "migration_uuid", lm.migration.UUID.Get(), "dest", lm.dest)

	lm.tracker.Enter(migrationmetrics.PhasePreparing)
	if err := m.setMigrationStatus(ctx, lm.migration, objects.MigrationPreparing); err != nil {
		log.Error("live migration not started: migration status not saved", "error", err)
		m.rollbackLiveMigration(ctx, lm, rollbackOptions{status: objects.MigrationError, cause: err})
		return
	}
	lm.tracker.Status(string(objects.MigrationPreparing))

	// pre_live_migration on the destination: a call with the long timeout
	// and the call monitor, which tells a slow destination from a dead one.
	data, err := m.compute.WithLongRPCTimeout(m.cfg.longRPCTimeout(), m.cfg.rpcTimeout()).
		PreLiveMigration(ctx, lm.dest, lm.inst, lm.block, lm.data)
	if err != nil {
		// nova's _cleanup_pre_live_migration: the destination may hold
		// part of what it prepared, so it is rolled back too.
		log.Error("pre_live_migration failed on the destination", "error", err)
		m.rollbackLiveMigration(ctx, lm, rollbackOptions{status: objects.MigrationFailed, cause: err, destPrepared: true})
		return
	}
	lm.data = data

	// An abort that came while the destination prepared is honoured now,
	// before the driver starts (nova: the migration was popped from
	// _waiting_live_migrations by live_migration_abort).
	lm.mu.Lock()
	aborted := lm.abortPending
	if aborted {
		lm.abortPending = false
	} else {
		lm.phase = lmRunning
	}
	lm.mu.Unlock()
	if aborted {
		log.Info("live migration aborted while preparing; rolling back")
		m.rollbackLiveMigration(ctx, lm, rollbackOptions{status: objects.MigrationCancelled,
			cause: errors.New("live migration aborted by request while preparing"), destPrepared: true})
		return
	}

	if err := m.setMigrationStatus(ctx, lm.migration, objects.MigrationRunning); err != nil {
		log.Error("live migration not started: migration status not saved", "error", err)
		m.rollbackLiveMigration(ctx, lm, rollbackOptions{status: objects.MigrationError, cause: err, destPrepared: true})
		return
	}
	lm.tracker.Status(string(objects.MigrationRunning))
	lm.tracker.Enter(migrationmetrics.PhaseRunning)

	saver := m.newStatsSaver(ctx, lm)
	var final virt.JobStats
	postCopy := false
	log.Info("live migration running")
	err = m.driver.LiveMigration(ctx, uuid, lm.dest, toVirtMigrateData(lm.inst, lm.data), func(s virt.JobStats) {
		final = s
		lm.tracker.Progress(s)
		if s.PostCopy && !postCopy {
			// nova's monitor saves the switch as soon as it sees it.
			postCopy = true
			if err := m.setMigrationStatus(ctx, lm.migration, objects.MigrationPostCopy); err != nil {
				log.Warn("post-copy status not saved", "error", err)
			}
			lm.tracker.Status(string(objects.MigrationPostCopy))
			log.Info("live migration switched to post-copy")
		}
		m.applyPending(lm)
		saver.offer(s)
	})
	saver.close(final)
	lm.mu.Lock()
	lm.phase = lmFinishing
	lm.mu.Unlock()

	if err != nil {
		status := liveMigrationStatusFor(err)
		log.Error("live migration failed", "status", status, "error", err)
		m.rollbackLiveMigration(ctx, lm, rollbackOptions{status: status, cause: err, destPrepared: true, guestLost: guestLost(err)})
		return
	}
	m.postLiveMigration(ctx, lm, final)
}

// liveMigrationStatusFor is the Migration status a failed driver
// migration ends in, nova's: cancelled for an operator's abort (libvirt's
// job cancelled), failed when the hypervisor's job failed or timed out and
// the guest still runs on the source (nova's recover_method, whose
// default status is failed), error for anything else, where the driver
// raised and the guest's state is not known (nova's _do_live_migration
// except branch). A failure that lost the guest is an error too.
//
// virt.MigrationStatusFor says error for every MigrationError; the
// manager tells the two apart, since only one of them needs an operator.
func liveMigrationStatusFor(err error) objects.MigrationStatus {
	var me *virt.MigrationError
	if errors.As(err, &me) && !me.GuestLost {
		return objects.MigrationFailed
	}
	return objects.MigrationStatus(virt.MigrationStatusFor(err))
}

// guestLost: the hypervisor says the guest's memory is gone on both hosts.
func guestLost(err error) bool {
	var me *virt.MigrationError
	return errors.As(err, &me) && me.GuestLost
}

// setMigrationStatus saves the migration's status (nova's
// _set_migration_status). A cleanup context is used once ctx ended, so
// that a stopping compute still records how the migration ended.
func (m *Manager) setMigrationStatus(ctx context.Context, mig *objects.Migration, status objects.MigrationStatus) error {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = m.cleanupContext(ctx)
		defer cancel()
	}
	mig.Status.Set(status)
	if err := m.conductor.Save(ctx, mig); err != nil {
		return fmt.Errorf("save migration %s status %q: %w", mig.UUID.Get(), status, err)
	}
	return nil
}

// finishEvent finishes the compute_live_migration event with the
// migration's outcome.
func (m *Manager) finishEvent(lm *liveMigration, failure error) {
	if !lm.eventStarted {
		return
	}
	lm.eventStarted = false
	ctx, cancel := m.cleanupContext(lm.ctx)
	defer cancel()
	if _, err := m.conductor.EventFinish(ctx, lm.uuid(), EventLiveMigration, m.host, failure); err != nil {
		rpc.Logger(ctx, m.log).Warn("instance action event not finished", "event", EventLiveMigration, "instance_uuid", lm.uuid(), "error", err)
	}
}

// statsSaver saves a running migration's counters (Migration memory_* and
// disk_*) and the instance's progress through the conductor, at most once
// per stats interval of hypervisor time, as nova's monitor does with
// save_stats. Saves run on a goroutine of their own, so a slow conductor
// never holds up the driver's monitor loop; when saves fall behind, only
// the latest stats are kept.
type statsSaver struct {
	m        *Manager
	ctx      context.Context
	lm       *liveMigration
	interval time.Duration

	last    time.Duration // Elapsed of the last stats offered
	offered bool
	latest  chan virt.JobStats
	wg      sync.WaitGroup
}

func (m *Manager) newStatsSaver(ctx context.Context, lm *liveMigration) *statsSaver {
	s := &statsSaver{m: m, ctx: ctx, lm: lm, interval: m.cfg.liveMigrationStatsInterval(), latest: make(chan virt.JobStats, 1)}
	s.wg.Go(func() {
		for st := range s.latest {
			s.save(st, true)
		}
	})
	return s
}

// offer passes s on to be saved if the interval has passed since the last
// stats saved. It never blocks.
func (s *statsSaver) offer(st virt.JobStats) {
	if s.offered && st.Elapsed-s.last < s.interval {
		return
	}
	s.offered, s.last = true, st.Elapsed
	select {
	case s.latest <- st:
	default:
		// The previous stats are still unsaved: replace them.
		select {
		case <-s.latest:
		default:
		}
		s.latest <- st
	}
}

// close waits for the pending save and saves the final counters (not the
// progress: post and rollback set that).
func (s *statsSaver) close(final virt.JobStats) {
	close(s.latest)
	s.wg.Wait()
	if final.Phase != "" {
		s.save(final, false)
	}
}

// save writes one snapshot with objects holding only the counters, so it
// never races the status saves on the migration's own object.
func (s *statsSaver) save(st virt.JobStats, progress bool) {
	ctx := s.ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = s.m.cleanupContext(ctx)
		defer cancel()
	}
	log := rpc.Logger(ctx, s.m.log).With("instance_uuid", s.lm.uuid(), "migration_uuid", s.lm.migration.UUID.Get())
	upd := new(objects.Migration)
	upd.ID.Set(s.lm.migration.ID.Get())
	upd.UUID.Set(s.lm.migration.UUID.Get())
	upd.ObjResetChanges()
	upd.MemoryTotal.Set(int(st.MemoryTotal))
	upd.MemoryProcessed.Set(int(st.MemoryProcessed))
	upd.MemoryRemaining.Set(int(st.MemoryRemaining))
	upd.DiskTotal.Set(int(st.DiskTotal))
	upd.DiskProcessed.Set(int(st.DiskProcessed))
	upd.DiskRemaining.Set(int(st.DiskRemaining))
	if err := s.m.conductor.Save(ctx, upd); err != nil {
		log.Warn("live migration counters not saved", "error", err)
	}
	if !progress {
		return
	}
	inst := new(objects.Instance)
	inst.UUID.Set(s.lm.uuid())
	inst.ObjResetChanges()
	inst.Progress.Set(st.ProgressPercent())
	if err := s.m.conductor.SaveInstance(ctx, inst, objects.TaskMigrating); err != nil {
		log.Warn("instance progress not saved", "error", err)
	}
}
