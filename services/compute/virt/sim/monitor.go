package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/novanats/novanats/services/compute/virt"
)

// migration is one running outgoing live migration: the transfer model
// plus the state of nova's _live_migration_monitor driving it.
type migration struct {
	src, dest *Driver
	srcHost   string
	uuid      string
	job       *job
	model     *transferModel
	cfg       virt.MigrationConfig
	progress  func(virt.JobStats)
	start     time.Time // clock time the migration started

	steps      []virt.DowntimeStep // nova's downtime_steps(data_gb)
	timeout    time.Duration       // completion_timeout, 0 = none
	downtimeMs int                 // last downtime step applied, or virt.DowntimeUnset
	interval   float64             // monitor interval, seconds
	nextTick   float64             // model time of the next monitor tick

	wasPaused  bool // the guest was paused before the migration began
	pausedByUs bool // force-complete paused it: unpause if the migration fails
	faults     []armed
}

// run is the monitor loop. Between monitor ticks it lets the transfer run
// up to the next event (end of a pass or stage, a fault trigger), so
// outcomes happen at their exact clock time; on each tick it does what
// nova's monitor does, in nova's order: run queued force-complete tasks,
// check the completion timeout, apply the downtime step due, report.
func (r *migration) run(ctx context.Context) error {
	for {
		rate, wss := r.src.workloadOf(r.uuid)
		r.model.setWorkload(rate*virt.MiB, wss*virt.MiB)
		if !r.model.postCopy {
			if r.job.aborting() {
				return r.cancel(virt.AbortRequested, nil)
			}
			if err := ctx.Err(); err != nil {
				return r.cancel(virt.AbortContextCancelled, err)
			}
		}
		reached := r.wait(ctx, r.nextEvent())
		r.model.advance(reached - r.model.t)
		r.job.publish(r.stats())

		if f, ok := r.firedFault(); ok {
			return r.fail(f)
		}
		if f, ok := r.hostGone(); ok {
			return r.fail(f)
		}
		if r.model.done() {
			return r.complete()
		}
		if r.model.t >= r.nextTick-timeEpsilon {
			if stop, err := r.tick(); stop {
				return err
			}
			r.nextTick += r.interval
		}
	}
}

// nextEvent is the model time of the next thing that can happen.
func (r *migration) nextEvent() float64 {
	next := min(r.nextTick, r.model.t+r.model.timeToEvent())
	for _, f := range r.faults {
		next = min(next, f.trigger.fireTime(r.model))
	}
	return max(next, r.model.t)
}

// wait blocks until the clock reaches model time target, or until an abort
// or the context interrupts it (neither can stop a post-copy migration:
// the guest already runs on the destination). It returns the model time
// reached.
func (r *migration) wait(ctx context.Context, target float64) float64 {
	delay := r.start.Add(seconds(target)).Sub(r.src.clock.Now())
	if delay <= 0 {
		return target
	}
	var wake <-chan struct{}
	var done <-chan struct{}
	if !r.model.postCopy {
		wake, done = r.job.wake, ctx.Done()
	}
	select {
	case <-r.src.clock.After(delay):
		return target
	case <-wake:
	case <-done:
	}
	now := r.src.clock.Now().Sub(r.start).Seconds()
	return math.Max(r.model.t, math.Min(now, target))
}

// tick is one iteration of nova's monitor for a running job.
func (r *migration) tick() (stop bool, err error) {
	elapsed := seconds(r.model.t)

	// nova: migration.run_tasks — force-complete requests queued since the
	// last tick.
	for n := r.job.takeForceCompletes(); n > 0; n-- {
		r.forceComplete()
	}

	// nova: should_trigger_timeout_action, re-evaluated on every tick.
	if virt.ShouldTriggerTimeoutAction(elapsed, r.timeout, r.model.postCopy) {
		if r.cfg.TimeoutAction == virt.TimeoutActionForceComplete {
			// nova calls live_migration_force_complete, which queues the
			// task for the next tick.
			_ = r.job.requestForceComplete()
		} else {
			return true, r.cancel(virt.AbortCompletionTimeout, nil)
		}
	}

	// nova: update_downtime.
	if ms, changed := virt.UpdateDowntime(r.steps, elapsed, r.downtimeMs); changed {
		r.downtimeMs = ms
		r.model.setDowntimeLimit(time.Duration(ms) * time.Millisecond)
	}

	s := r.stats()
	r.job.publish(s)
	r.report(s)
	return false, nil
}

// forceComplete applies one force-complete task (nova's run_tasks).
func (r *migration) forceComplete() {
	switch virt.ForceCompleteActionFor(r.cfg.PostCopyEnabled(), r.model.postCopy) {
	case virt.ForceCompletePostCopy:
		// QEMU refuses the switch outside the memory pre-copy (during the
		// disk copy or the final stop-and-copy); nova only logs it.
		if !r.model.canStartPostCopy() || !r.job.enterPostCopy() {
			return
		}
		r.model.startPostCopy()
		r.src.setPower(r.uuid, virt.PowerPaused)
		r.dest.activateIncoming(r.uuid)
	case virt.ForceCompletePause:
		if r.model.paused {
			return
		}
		r.model.pause()
		r.pausedByUs = true
		r.src.setPower(r.uuid, virt.PowerPaused)
	}
}

// hostGone: either end left the fabric (Detach) — the link is gone.
func (r *migration) hostGone() (armed, bool) {
	for _, h := range []*Driver{r.src, r.dest} {
		host := h.Host()
		if !r.src.fabric.attached(host, h) {
			return armed{err: fmt.Errorf("%w: host %s left the migration fabric", ErrLinkDown, host)}, true
		}
	}
	return armed{}, false
}

func (r *migration) firedFault() (armed, bool) {
	for _, f := range r.faults {
		if f.trigger.fired(r.model) {
			return f, true
		}
	}
	return armed{}, false
}

func (r *migration) stats() virt.JobStats {
	s := r.model.stats()
	s.Paused = r.pausedByUs
	return s
}

func (r *migration) report(s virt.JobStats) {
	if r.progress != nil {
		r.progress(s)
	}
}

// terminal marks the stats of an ended migration.
func (r *migration) terminal(phase virt.JobPhase) virt.JobStats {
	s := r.stats()
	s.Phase, s.TransferRate = phase, 0
	return s
}

// cancel ends the migration before switch-over: the guest keeps running on
// the source, unpaused if we paused it (nova: run_recover_tasks), and the
// destination keeps its prepared guest for the rollback.
func (r *migration) cancel(reason virt.AbortReason, cause error) error {
	s := r.terminal(virt.PhaseCancelled)
	r.job.finish(s, false)
	r.src.endOutgoing(r.uuid, r.pausedByUs, virt.PowerRunning)
	r.report(s)
	return &virt.MigrationAborted{
		InstanceUUID: r.uuid,
		Reason:       reason,
		Elapsed:      s.Elapsed,
		Timeout:      r.timeout,
		Err:          cause,
	}
}

// fail ends the migration on an injected fault; see DropLink and
// CrashSource for what happens to the guest.
func (r *migration) fail(f armed) error {
	s := r.terminal(virt.PhaseFailed)
	r.job.finish(s, false)
	crashed := errors.Is(f.err, ErrSourceCrashed)
	lost := crashed || r.model.postCopy
	switch {
	case lost:
		r.src.endOutgoing(r.uuid, true, virt.PowerCrashed)
	default:
		r.src.endOutgoing(r.uuid, r.pausedByUs, virt.PowerRunning)
	}
	if r.model.postCopy {
		r.dest.crashIncoming(r.uuid)
	}
	r.report(s)
	return &virt.MigrationError{
		InstanceUUID: r.uuid,
		Host:         r.srcHost,
		Err:          fmt.Errorf("%w (after %s, %d bytes sent, phase %s)", f.err, s.Elapsed, s.DataProcessed, r.model.stage.phase()),
		PostCopy:     r.model.postCopy,
		GuestLost:    lost,
	}
}

// complete hands the guest over: it runs on the destination (paused if it
// was paused before the migration, as libvirt keeps it) and is undefined on
// the source (nova migrates with VIR_MIGRATE_UNDEFINE_SOURCE).
func (r *migration) complete() error {
	s := r.terminal(virt.PhaseCompleted)
	if !r.job.finish(s, true) {
		return r.cancel(virt.AbortRequested, nil)
	}
	power := virt.PowerRunning
	if r.wasPaused {
		power = virt.PowerPaused
	}
	spec, _ := r.src.specOf(r.uuid)
	if err := r.dest.finishIncoming(r.uuid, spec, power); err != nil {
		// The destination lost its guest under us (destroyed mid-flight).
		failed := r.terminal(virt.PhaseFailed)
		r.job.finish(failed, false)
		if r.model.postCopy {
			r.src.endOutgoing(r.uuid, true, virt.PowerCrashed)
		} else {
			r.src.endOutgoing(r.uuid, r.pausedByUs, virt.PowerRunning)
		}
		r.report(failed)
		return &virt.MigrationError{InstanceUUID: r.uuid, Host: r.srcHost, Err: err, PostCopy: r.model.postCopy, GuestLost: r.model.postCopy}
	}
	r.src.removeMigrated(r.uuid)
	r.report(s)
	return nil
}
