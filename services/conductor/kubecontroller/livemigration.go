package kubecontroller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor"
)

// Cache indexes of LiveMigrations, for routing a Migration's changes to the
// objects that mirror it.
const (
	// indexMigrationID: status.migrationID, of those that have one.
	indexMigrationID = "status.migrationID"
	// indexAwaitingInstance: status.instanceUUID of those that sent a
	// request and do not know its Migration yet (a restarted controller
	// looking for it): the Migration's creation is their cue.
	indexAwaitingInstance = "status.instanceUUID.awaiting"
)

// recheck is how soon a LiveMigration is looked at again while the
// conductor has a request for its instance under way that has not yet left
// a record the controller can follow (the few milliseconds between the
// instance's task_state and the Migration). Only the restart path waits on
// it; a normal start knows its Migration from migrate_server's reply.
const recheck = 2 * time.Second

type liveMigrations struct {
	client.Client
	store    *store.Store
	tasks    *conductor.TaskAPI
	computes *compute.API
	sg       servicegroup.Config
	hooks    Hooks
	log      *slog.Logger
	events   chan event.GenericEvent
	recorder recorder.EventRecorder // Events on LiveMigrations (events.go)
}

func setupLiveMigrations(mgr ctrl.Manager, r *liveMigrations, concurrency int) error {
	ctx := context.Background()
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &novav1.LiveMigration{}, indexMigrationID, func(o client.Object) []string {
		if id := o.(*novav1.LiveMigration).Status.MigrationID; id != "" {
			return []string{id}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &novav1.LiveMigration{}, indexAwaitingInstance, func(o client.Object) []string {
		st := o.(*novav1.LiveMigration).Status
		if st.RequestID != "" && st.MigrationID == "" && st.InstanceUUID != "" {
			return []string{st.InstanceUUID}
		}
		return nil
	}); err != nil {
		return err
	}
	r.events = make(chan event.GenericEvent, 1024)
	if err := mgr.Add(&migrationFeed{r: r, cache: mgr.GetCache()}); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("livemigration").
		For(&novav1.LiveMigration{}).
		WatchesRawSource(source.Channel(r.events, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrency}).
		Complete(r)
}

// Reconcile moves one LiveMigration on. The steps, each idempotent:
//
//   - deleted: abort what runs, wait for the Migration to end, let go;
//   - finished: let go of the finalizer, nothing else changes;
//   - no request yet: check the instance and target, persist a request id,
//     then ask the conductor under that id (start);
//   - a request id but no Migration: find the Migration of that request,
//     or send the request again only if the conductor never saw it
//     (recover);
//   - a Migration: mirror it, and pass force-complete and abort on (follow).
func (r *liveMigrations) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	lm := new(novav1.LiveMigration)
	if err := r.Get(ctx, req.NamespacedName, lm); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	ctx = withSavedStatus(ctx, lm)
	if !lm.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, lm)
	}
	if lm.Status.Phase.Finished() {
		return ctrl.Result{}, r.release(ctx, lm)
	}
	if !controllerutil.ContainsFinalizer(lm, novav1.LiveMigrationFinalizer) {
		// Before anything is sent: deleting the object from here on
		// aborts what it started. The update brings the next reconcile.
		controllerutil.AddFinalizer(lm, novav1.LiveMigrationFinalizer)
		return ctrl.Result{}, r.Update(ctx, lm)
	}
	switch {
	case lm.Status.MigrationID != "":
		return r.follow(ctx, lm)
	case lm.Status.RequestID != "":
		return r.recover(ctx, lm)
	default:
		return r.start(ctx, lm)
	}
}

// start checks what the controller can check itself, so that the usual
// mistakes end with a reason a user understands, then persists the
// request id and sends the request under it.
func (r *liveMigrations) start(ctx context.Context, lm *novav1.LiveMigration) (ctrl.Result, error) {
	if lm.Spec.Abort {
		return ctrl.Result{}, r.finish(ctx, lm, novav1.PhaseCancelled, "aborted (spec.abort) before the migration started")
	}
	inst, err := r.store.Instances.FindInstance(ctx, lm.Spec.Instance)
	var (
		nf  *exception.InstanceNotFound
		amb *store.AmbiguousInstanceName
	)
	switch {
	case errors.As(err, &nf):
		return ctrl.Result{}, r.finish(ctx, lm, novav1.PhaseFailed,
			fmt.Sprintf("instance %q not found: no instance has this uuid or name", lm.Spec.Instance))
	case errors.As(err, &amb):
		return ctrl.Result{}, r.finish(ctx, lm, novav1.PhaseFailed, amb.Error())
	case err != nil:
		return ctrl.Result{}, err
	}
	lm.Status.InstanceUUID = inst.UUID.Get()
	lm.Status.SourceHost = inst.Host.Get()
	if reason, err := r.checkTarget(ctx, lm.Spec.TargetHost); err != nil {
		return ctrl.Result{}, err
	} else if reason != "" {
		return ctrl.Result{}, r.finish(ctx, lm, novav1.PhaseFailed, reason)
	}
	// The intent is stored before the request leaves: whoever reconciles
	// this object next (this controller after a conflict, a restarted
	// one, a new leader) sees the request id and looks for its
	// Migration instead of starting another. A conflict here means
	// another writer got in first; nothing has been sent.
	lm.Status.RequestID = rpc.NewRequestID()
	lm.Status.TargetHost = lm.Spec.TargetHost
	setPhase(lm, novav1.PhaseScheduling)
	if err := r.writeStatus(ctx, lm); err != nil {
		return ctrl.Result{}, err
	}
	return r.send(ctx, lm, true)
}

// checkTarget returns why the named target host cannot take the migration
// ("" if it can, or if none is named): the conductor's own errors for an
// unknown or unavailable host, with what the user can do about it. The
// scheduler would refuse a down or disabled host too, but as "No valid host
// was found", which does not say which check failed.
func (r *liveMigrations) checkTarget(ctx context.Context, host string) (string, error) {
	if host == "" {
		return "", nil
	}
	sv, err := r.store.Services.Get(ctx, host, compute.Binary)
	if errors.Is(err, exception.ErrNotFound) {
		return fmt.Sprintf("target host: %s (no nova-compute service on it; see kubectl get computehosts)",
			(&exception.ComputeHostNotFound{Host: host}).Error()), nil
	}
	if err != nil {
		return "", err
	}
	if !store.IsUp(sv, r.sg, r.store.Now()) {
		why := "its compute service is forced down"
		if !sv.ForcedDown.Get() {
			cfg, _ := r.sg.Effective()
			why = fmt.Sprintf("its compute service has not reported for more than %s", cfg.ServiceDownTime)
			if last, ok := sv.LastSeenUp.Lookup(); ok {
				why += fmt.Sprintf(" (last report %s)", last.UTC().Format(time.RFC3339))
			}
		}
		return fmt.Sprintf("target host is down: %s: %s", (&exception.ComputeServiceUnavailable{Host: host}).Error(), why), nil
	}
	if sv.Disabled.Get() {
		reason := sv.DisabledReason.Get()
		if reason == "" {
			reason = "no reason given"
		}
		return fmt.Sprintf("target host %s is disabled (%s): the scheduler places no migrations on it", host, reason), nil
	}
	return "", nil
}

// send asks the conductor (migrate_server, which answers once the source
// compute has the migration or the conductor refused it) under the
// persisted request id. fresh says the id was generated by this very
// reconcile, so no earlier request under it can exist.
func (r *liveMigrations) send(ctx context.Context, lm *novav1.LiveMigration, fresh bool) (ctrl.Result, error) {
	if h := r.hooks.BeforeMigrateServer; h != nil && h(ctx, lm.DeepCopy()) {
		return ctrl.Result{}, errors.New("kubecontroller: stopped by a test hook before migrate_server")
	}
	rc := rpc.NewRequestContext()
	rc.RequestID = lm.Status.RequestID
	rc.UserID, rc.ProjectID = Caller, "admin"
	m, err := r.tasks.MigrateServer(rpc.StartTrace(rpc.WithRequestContext(ctx, rc)), conductor.LiveMigrateInstanceArgs{
		InstanceUUID: lm.Status.InstanceUUID, Host: lm.Spec.TargetHost,
	})
	if h := r.hooks.AfterMigrateServer; h != nil && h(ctx, lm.DeepCopy()) {
		return ctrl.Result{}, errors.New("kubecontroller: stopped by a test hook after migrate_server")
	}
	if err != nil {
		var re *rpc.RemoteError
		if !errors.As(err, &re) || re.Unwrap() == nil {
			// No answer, or not one of nova's refusals (a timeout, a
			// conductor stopping or too busy): the request may or may
			// not have been taken. The retry goes through recover,
			// which looks for it before sending again.
			return ctrl.Result{}, fmt.Errorf("migrate_server for %s: %w", lm.Status.RequestID, err)
		}
		var uts *exception.UnexpectedTaskState
		if !fresh && errors.As(err, &uts) {
			// Maybe the instance is busy with this very request, sent
			// before a restart and not yet recorded: look again.
			return ctrl.Result{RequeueAfter: recheck}, nil
		}
		return ctrl.Result{}, r.finish(ctx, lm, novav1.PhaseFailed, "refused by nova: "+refusalMessage(err))
	}
	r.log.Info("live migration started", "livemigration", client.ObjectKeyFromObject(lm), "request_id", rc.RequestID,
		"migration", m.UUID.Get(), "source", m.SourceCompute.Get(), "dest", m.DestCompute.Get())
	r.mirror(ctx, lm, m)
	return ctrl.Result{}, r.writeStatus(ctx, lm)
}

// refusalMessage is a service's refusal without the RPC's wrapping.
func refusalMessage(err error) string {
	var re *rpc.RemoteError
	if errors.As(err, &re) {
		return re.Message
	}
	return err.Error()
}

// recover finds the Migration of a request that was persisted and maybe
// sent. The conductor records the request's "live-migration"
// InstanceAction under the request id right after it marks the instance
// migrating, and creates the Migration right after that; a Migration of
// the instance created after the action started is the request's, since
// the instance's task_state lets one request at a time get that far.
// Without an action, the request is sent again only once the instance has
// no task: an earlier send that the conductor took would have set one.
func (r *liveMigrations) recover(ctx context.Context, lm *novav1.LiveMigration) (ctrl.Result, error) {
	m, busy, err := r.migrationOfRequest(ctx, lm)
	switch {
	case err != nil:
		return ctrl.Result{}, err
	case m != nil:
		r.log.Info("found the migration of an earlier request", "livemigration", client.ObjectKeyFromObject(lm),
			"request_id", lm.Status.RequestID, "migration", m.UUID.Get())
		r.mirror(ctx, lm, m)
		return ctrl.Result{}, r.writeStatus(ctx, lm)
	case busy:
		return ctrl.Result{RequeueAfter: recheck}, nil
	}
	if lm.Spec.Abort {
		return ctrl.Result{}, r.finish(ctx, lm, novav1.PhaseCancelled, "aborted (spec.abort) before the migration started")
	}
	return r.send(ctx, lm, false)
}

// migrationOfRequest is the Migration of lm's request; or busy when the
// conductor may still be handling the request (its action exists, or the
// instance has a task) without a Migration yet; or neither when the
// conductor never took the request. An instance that is gone is an error
// of no retry: the LiveMigration fails.
func (r *liveMigrations) migrationOfRequest(ctx context.Context, lm *novav1.LiveMigration) (m *objects.Migration, busy bool, err error) {
	uuid := lm.Status.InstanceUUID
	act, err := r.store.Actions.Get(ctx, uuid, lm.Status.RequestID)
	if err == nil {
		start, _ := act.StartTime.Lookup()
		all, err := r.store.Migrations.List(ctx)
		if err != nil {
			return nil, false, err
		}
		for _, x := range all {
			created, _ := x.CreatedAt.Lookup()
			if x.InstanceUUID.Get() != uuid || !x.IsLiveMigration() || created.Before(start) {
				continue
			}
			if m == nil || x.ID.Get() < m.ID.Get() {
				m = x
			}
		}
		return m, m == nil, nil
	}
	if !errors.Is(err, exception.ErrNotFound) {
		return nil, false, err
	}
	inst, err := r.store.Instances.Get(ctx, uuid)
	if errors.Is(err, exception.ErrNotFound) {
		return nil, false, nil // send refuses it with InstanceNotFound, which ends it
	}
	if err != nil {
		return nil, false, err
	}
	ts, _ := inst.TaskState.Lookup()
	return nil, ts != "", nil
}

// follow mirrors the Migration and passes spec.forceComplete and
// spec.abort on to the source compute, once each.
func (r *liveMigrations) follow(ctx context.Context, lm *novav1.LiveMigration) (ctrl.Result, error) {
	m, err := r.store.Migrations.GetByUUID(ctx, lm.Status.MigrationID)
	if errors.Is(err, exception.ErrNotFound) {
		return ctrl.Result{}, r.finish(ctx, lm, novav1.PhaseFailed, "nova's migration record "+lm.Status.MigrationID+" is gone")
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	before := lm.Status.DeepCopy()
	r.mirror(ctx, lm, m)
	status, _ := m.Status.Lookup()
	if lm.Spec.Abort && !lm.Status.Phase.Finished() && abortable(status) && !meta.IsStatusConditionTrue(lm.Status.Conditions, novav1.ConditionAbortRequested) {
		if err := r.abort(ctx, lm, m); err != nil {
			return ctrl.Result{}, err
		}
	}
	if lm.Spec.ForceComplete && status == objects.MigrationRunning &&
		meta.FindStatusCondition(lm.Status.Conditions, novav1.ConditionForceCompleteRequested) == nil {
		cond := metav1.Condition{Type: novav1.ConditionForceCompleteRequested, Status: metav1.ConditionTrue,
			Reason: "Sent", Message: "force-complete sent to the source compute", ObservedGeneration: lm.Generation}
		inst, err := r.store.Instances.Get(ctx, m.InstanceUUID.Get())
		if err == nil {
			err = r.computes.LiveMigrationForceComplete(ctx, inst, m)
		}
		if err != nil {
			var re *rpc.RemoteError
			if !errors.As(err, &re) {
				return ctrl.Result{}, err
			}
			// A refusal is final for this request: say so, do not retry.
			cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, "Refused", refusalMessage(err)
		}
		meta.SetStatusCondition(&lm.Status.Conditions, cond)
	}
	if !equality.Semantic.DeepEqual(before, &lm.Status) {
		if err := r.writeStatus(ctx, lm); err != nil {
			return ctrl.Result{}, err
		}
	}
	if lm.Status.Phase.Finished() {
		return ctrl.Result{}, r.release(ctx, lm)
	}
	return ctrl.Result{}, nil
}

// abortable: nova's live_migration_abort takes a migration the source
// compute has (queued, preparing, running); before that the conductor
// still owns it (accepted), and the abort waits for the next status.
func abortable(s objects.MigrationStatus) bool {
	return s == objects.MigrationQueued || s == objects.MigrationPreparing || s == objects.MigrationRunning
}

// abort sends live_migration_abort and records it in a condition; the
// Migration's change to cancelled then arrives through the watch.
func (r *liveMigrations) abort(ctx context.Context, lm *novav1.LiveMigration, m *objects.Migration) error {
	cond := metav1.Condition{Type: novav1.ConditionAbortRequested, Status: metav1.ConditionTrue,
		Reason: "Sent", Message: "abort sent to the source compute", ObservedGeneration: lm.Generation}
	inst, err := r.store.Instances.Get(ctx, m.InstanceUUID.Get())
	if err == nil {
		err = r.computes.LiveMigrationAbort(ctx, inst, m.ID.Get())
	}
	if err != nil {
		var re *rpc.RemoteError
		if !errors.As(err, &re) {
			return err
		}
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, "Refused", refusalMessage(err)
	}
	meta.SetStatusCondition(&lm.Status.Conditions, cond)
	return nil
}

// finalize runs for a LiveMigration being deleted: a migration that has
// not ended is aborted, and the finalizer goes once it has ended, so that
// the object disappears only when nothing it started still runs.
func (r *liveMigrations) finalize(ctx context.Context, lm *novav1.LiveMigration) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(lm, novav1.LiveMigrationFinalizer) {
		return ctrl.Result{}, nil
	}
	if lm.Status.MigrationID == "" && lm.Status.RequestID != "" && !lm.Status.Phase.Finished() {
		m, busy, err := r.migrationOfRequest(ctx, lm)
		switch {
		case err != nil:
			return ctrl.Result{}, err
		case m != nil:
			r.mirror(ctx, lm, m)
			return ctrl.Result{}, r.writeStatus(ctx, lm)
		case busy:
			return ctrl.Result{RequeueAfter: recheck}, nil
		}
		// The conductor never took the request: nothing to abort.
	}
	if lm.Status.MigrationID == "" || lm.Status.Phase.Finished() {
		return ctrl.Result{}, r.release(ctx, lm)
	}
	m, err := r.store.Migrations.GetByUUID(ctx, lm.Status.MigrationID)
	if errors.Is(err, exception.ErrNotFound) {
		return ctrl.Result{}, r.release(ctx, lm)
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	before := lm.Status.DeepCopy()
	r.mirror(ctx, lm, m)
	status, _ := m.Status.Lookup()
	if !lm.Status.Phase.Finished() && abortable(status) && !meta.IsStatusConditionTrue(lm.Status.Conditions, novav1.ConditionAbortRequested) {
		if err := r.abort(ctx, lm, m); err != nil {
			return ctrl.Result{}, err
		}
	}
	if !equality.Semantic.DeepEqual(before, &lm.Status) {
		if err := r.writeStatus(ctx, lm); err != nil {
			return ctrl.Result{}, err
		}
	}
	if lm.Status.Phase.Finished() {
		return ctrl.Result{}, r.release(ctx, lm)
	}
	// The Migration's end arrives through the watch.
	return ctrl.Result{}, nil
}

// release removes the finalizer of a LiveMigration whose migration ended
// (or never started).
func (r *liveMigrations) release(ctx context.Context, lm *novav1.LiveMigration) error {
	if !controllerutil.RemoveFinalizer(lm, novav1.LiveMigrationFinalizer) {
		return nil
	}
	return client.IgnoreNotFound(r.Update(ctx, lm))
}

// finish ends a LiveMigration in a final phase with a reason, and lets go
// of it.
func (r *liveMigrations) finish(ctx context.Context, lm *novav1.LiveMigration, phase novav1.LiveMigrationPhase, reason string) error {
	lm.Status.Reason = reason
	setPhase(lm, phase)
	r.log.Info("live migration ended", "livemigration", client.ObjectKeyFromObject(lm), "phase", phase, "reason", reason)
	if err := r.writeStatus(ctx, lm); err != nil {
		return err
	}
	return r.release(ctx, lm)
}

// phaseOf maps nova's Migration.status to a phase (false for a status a
// live migration does not go through).
func phaseOf(s objects.MigrationStatus) (novav1.LiveMigrationPhase, bool) {
	switch s {
	case objects.MigrationAccepted:
		return novav1.PhaseScheduling, true
	case objects.MigrationQueued:
		return novav1.PhaseQueued, true
	case objects.MigrationPreparing:
		return novav1.PhasePreparing, true
	case objects.MigrationRunning:
		return novav1.PhaseRunning, true
	case objects.MigrationPostCopy:
		return novav1.PhasePostCopy, true
	case objects.MigrationCompleted:
		return novav1.PhaseSucceeded, true
	case objects.MigrationFailed, objects.MigrationError:
		return novav1.PhaseFailed, true
	case objects.MigrationCancelled:
		return novav1.PhaseCancelled, true
	}
	return "", false
}

// mirror copies the Migration into lm's status: id, hosts, phase,
// progress, conditions, and for a failure the instance's fault as the
// reason.
func (r *liveMigrations) mirror(ctx context.Context, lm *novav1.LiveMigration, m *objects.Migration) {
	st := &lm.Status
	st.MigrationID = m.UUID.Get()
	st.InstanceUUID = m.InstanceUUID.Get()
	if h := m.SourceCompute.Get(); h != "" {
		st.SourceHost = h
	}
	if h := m.DestCompute.Get(); h != "" {
		st.TargetHost = h
	}
	st.ObservedGeneration = lm.Generation
	if total, ok := m.MemoryTotal.Lookup(); ok && total > 0 {
		remaining := m.MemoryRemaining.Get()
		pct := int32((int64(total) - int64(remaining)) * 100 / int64(total))
		pct = min(max(pct, 0), 100)
		st.Progress = &novav1.MigrationProgress{
			MemoryTotalBytes: int64(total), MemoryProcessedBytes: int64(m.MemoryProcessed.Get()),
			MemoryRemainingBytes: int64(remaining), Percent: pct, Summary: fmt.Sprintf("%d%%", pct),
		}
	}
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: novav1.ConditionAccepted, Status: metav1.ConditionTrue,
		Reason: "MigrationCreated", Message: "nova migration " + st.MigrationID, ObservedGeneration: lm.Generation})
	phase, ok := phaseOf(m.Status.Get())
	if !ok {
		return
	}
	if phase == novav1.PhaseSucceeded && st.Progress != nil {
		st.Progress.Percent, st.Progress.Summary, st.Progress.MemoryRemainingBytes = 100, "100%", 0
	}
	if phase.Finished() && !st.Phase.Finished() {
		switch phase {
		case novav1.PhaseFailed:
			st.Reason = "nova's migration ended " + string(m.Status.Get())
			if inst, err := r.store.Instances.Get(ctx, st.InstanceUUID); err == nil {
				if f, ok := inst.Fault.Lookup(); ok && f != nil && f.Message.Get() != "" {
					st.Reason += ": " + f.Message.Get()
				}
			}
		case novav1.PhaseCancelled:
			st.Reason = "aborted"
			if !lm.DeletionTimestamp.IsZero() {
				st.Reason = "aborted: the LiveMigration was deleted"
			} else if lm.Spec.Abort {
				st.Reason = "aborted (spec.abort)"
			}
		}
	}
	setPhase(lm, phase)
}

// setPhase moves lm to phase, recording when (the first status write also
// records Pending, at the object's creation), and sets Complete for a
// final phase.
func setPhase(lm *novav1.LiveMigration, phase novav1.LiveMigrationPhase) {
	st := &lm.Status
	if len(st.PhaseTransitions) == 0 {
		st.PhaseTransitions = append(st.PhaseTransitions, novav1.PhaseTransition{Phase: novav1.PhasePending, Time: lm.CreationTimestamp})
	}
	if st.Phase == phase {
		return
	}
	st.Phase = phase
	st.PhaseTransitions = append(st.PhaseTransitions, novav1.PhaseTransition{Phase: phase, Time: metav1.Now()})
	st.ObservedGeneration = lm.Generation
	if phase.Finished() {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: novav1.ConditionComplete, Status: metav1.ConditionTrue,
			Reason: string(phase), Message: st.Reason, ObservedGeneration: lm.Generation})
	}
}

// migrationFeed follows every Migration with one JetStream watch and
// wakes the LiveMigrations that mirror it (by migration id) or wait for it
// (by instance, after a restart). It runs only on the leader, beside the
// reconcilers.
type migrationFeed struct {
	r     *liveMigrations
	cache interface {
		WaitForCacheSync(context.Context) bool
	}
}

func (f *migrationFeed) Start(ctx context.Context) error {
	if !f.cache.WaitForCacheSync(ctx) {
		return nil // stopping
	}
	return followStore(ctx, f.r.log, "migrations", f.r.store.Migrations.WatchAll, func(m *objects.Migration) {
		f.route(ctx, m)
	})
}

func (f *migrationFeed) route(ctx context.Context, m *objects.Migration) {
	if !m.IsLiveMigration() {
		return
	}
	var lms []novav1.LiveMigration
	for _, q := range []client.MatchingFields{{indexMigrationID: m.UUID.Get()}, {indexAwaitingInstance: m.InstanceUUID.Get()}} {
		var l novav1.LiveMigrationList
		if err := f.r.List(ctx, &l, q); err != nil {
			f.r.log.Warn("list LiveMigrations for a migration change", "migration", m.UUID.Get(), "error", err)
			continue
		}
		lms = append(lms, l.Items...)
	}
	for i := range lms {
		select {
		case f.r.events <- event.GenericEvent{Object: &lms[i]}:
		case <-ctx.Done():
			return
		}
	}
}
