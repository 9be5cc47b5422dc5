package compute

import (
	"context"
	"slices"
	"sync"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute/migrationmetrics"
)

// lmPhase is where one live migration of this host (as source) stands,
// as the abort and force-complete handlers need to know it.
type lmPhase int

const (
	lmQueued    lmPhase = iota // waiting for a max_concurrent_live_migrations slot
	lmPreparing                // pre_live_migration on the destination
	lmRunning                  // the driver's migration job runs (or is about to)
	lmFinishing                // the job ended: post or rollback in progress
)

func (p lmPhase) String() string {
	switch p {
	case lmQueued:
		return "queued"
	case lmPreparing:
		return "preparing"
	case lmRunning:
		return "running"
	}
	return "finishing"
}

// liveMigration is one live migration this host runs as its source, from
// the live_migration cast to its last status.
type liveMigration struct {
	inst      *objects.Instance
	migration *objects.Migration
	data      *objects.LiveMigrateData
	dest      string
	block     bool
	ctx       context.Context // the request's context, detached from the cast's worker
	tracker   *migrationmetrics.Tracker
	// eventStarted: the compute_live_migration event was started and
	// must be finished with the outcome.
	eventStarted bool

	// ready: its handler queued it (status saved); set under the
	// executor's lock.
	ready bool

	mu    sync.Mutex
	phase lmPhase
	// abortPending: an operator abort arrived when the driver could not
	// take it yet (preparing, or the job not started); honoured as soon as
	// it can be. forcePending: the same for force-complete.
	abortPending bool
	forcePending bool
}

func (lm *liveMigration) uuid() string { return lm.inst.UUID.Get() }

// lmExecutor is nova's _live_migration_executor with its
// _waiting_live_migrations: live migrations from this host start in the
// order their casts arrived, at most limit at a time (0: no limit, as
// nova's max_concurrent_live_migrations=0); the rest wait in the queue,
// where an abort can still remove them before they start.
type lmExecutor struct {
	limit int
	// start runs fn on a goroutine the compute's stop waits for; false
	// when the compute is stopping.
	start func(fn func()) bool

	mu      sync.Mutex
	running int
	queue   []*liveMigration
	byInst  map[string]*liveMigration // queued and running, by instance uuid
	stopped bool
	// peak is the most migrations that ever ran at once, for tests and
	// logs: the limit holding is then a fact, not an assumption.
	peak int
}

func newLMExecutor(limit int, start func(fn func()) bool) *lmExecutor {
	return &lmExecutor{limit: limit, start: start, byInst: map[string]*liveMigration{}}
}

// reserve takes lm's place in the queue: the order of the queue is the
// order the casts reached their handlers, whatever the conductor calls
// each handler makes before the migration is queued. The migration starts
// only once activate says it is queued. false: the instance already has a
// live migration here, or the executor stopped.
func (e *lmExecutor) reserve(lm *liveMigration) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return false
	}
	if _, busy := e.byInst[lm.uuid()]; busy {
		return false
	}
	e.byInst[lm.uuid()] = lm
	e.queue = append(e.queue, lm)
	return true
}

// activate marks the reserved lm ready and starts what the limit allows;
// run is called for each migration when its turn comes. false: the
// executor stopped meanwhile (lm is no longer queued).
func (e *lmExecutor) activate(lm *liveMigration, run func(*liveMigration)) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped || e.byInst[lm.uuid()] != lm {
		return false
	}
	lm.ready = true
	e.dispatchLocked(run)
	return true
}

// drop forgets a reserved lm that will not be activated.
func (e *lmExecutor) drop(lm *liveMigration, run func(*liveMigration)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.byInst[lm.uuid()] == lm {
		delete(e.byInst, lm.uuid())
	}
	e.queue = slices.DeleteFunc(e.queue, func(q *liveMigration) bool { return q == lm })
	if !e.stopped {
		e.dispatchLocked(run)
	}
}

func (e *lmExecutor) dispatchLocked(run func(*liveMigration)) {
	// The head waits until its handler has queued it: later migrations
	// never overtake it.
	for len(e.queue) > 0 && e.queue[0].ready && (e.limit == 0 || e.running < e.limit) {
		lm := e.queue[0]
		e.queue = e.queue[1:]
		lm.mu.Lock()
		lm.phase = lmPreparing
		lm.mu.Unlock()
		e.running++
		e.peak = max(e.peak, e.running)
		ok := e.start(func() {
			run(lm)
			e.done(lm, run)
		})
		if !ok {
			// Stopping: the migration goes back to the front of the
			// queue, which the stop cancels.
			lm.mu.Lock()
			lm.phase = lmQueued
			lm.mu.Unlock()
			e.running--
			e.queue = append([]*liveMigration{lm}, e.queue...)
			return
		}
	}
}

// done frees lm's slot and starts the next migration.
func (e *lmExecutor) done(lm *liveMigration, run func(*liveMigration)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.running--
	if e.byInst[lm.uuid()] == lm {
		delete(e.byInst, lm.uuid())
	}
	if !e.stopped {
		e.dispatchLocked(run)
	}
}

// get returns the live migration of instance uuid queued or running here
// (one still being queued by its handler is not there yet).
func (e *lmExecutor) get(uuid string) *liveMigration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if lm := e.byInst[uuid]; lm != nil && lm.ready {
		return lm
	}
	return nil
}

// dequeue removes the migration of instance uuid if it is still queued
// (nova's future.cancel() succeeding).
func (e *lmExecutor) dequeue(uuid string) *liveMigration {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, lm := range e.queue {
		if lm.uuid() == uuid && lm.ready {
			e.queue = append(e.queue[:i:i], e.queue[i+1:]...)
			delete(e.byInst, uuid)
			return lm
		}
	}
	return nil
}

// stop refuses new migrations and returns those still queued, which the
// caller cancels (nova's _cleanup_live_migrations_in_pool). Running ones
// go on: the compute's stop waits for them like for builds.
func (e *lmExecutor) stop() []*liveMigration {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopped = true
	var q []*liveMigration
	for _, lm := range e.queue {
		delete(e.byInst, lm.uuid())
		if lm.ready {
			q = append(q, lm)
		}
	}
	e.queue = nil
	return q
}

// stats are the executor's numbers: running now, queued now, and the most
// that ever ran at once.
func (e *lmExecutor) stats() (running, queued, peak int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.running, len(e.queue), e.peak
}

// LiveMigrationStats is what the live migration executor of this host
// holds: migrations running and queued now, and the most that ran at
// once since the compute started (never above max_concurrent_live_migrations
// when it is set).
type LiveMigrationStats struct {
	Running, Queued, Peak int
}

// LiveMigrations reports the executor's numbers.
func (m *Manager) LiveMigrations() LiveMigrationStats {
	r, q, p := m.lm.stats()
	return LiveMigrationStats{Running: r, Queued: q, Peak: p}
}

// applyPending hands the driver an abort or force-complete that arrived
// before its job existed. It runs from the progress callback, once the
// job does exist.
func (m *Manager) applyPending(lm *liveMigration) {
	lm.mu.Lock()
	abort, force := lm.abortPending, lm.forcePending
	lm.abortPending, lm.forcePending = false, false
	lm.mu.Unlock()
	if abort {
		if err := m.driver.LiveMigrationAbort(lm.uuid()); err != nil {
			m.log.Warn("deferred live migration abort refused by the driver", "instance_uuid", lm.uuid(), "error", err)
		}
	}
	if force {
		if err := m.driver.LiveMigrationForceComplete(lm.uuid()); err != nil {
			m.log.Warn("deferred live migration force-complete refused by the driver", "instance_uuid", lm.uuid(), "error", err)
		}
	}
}
