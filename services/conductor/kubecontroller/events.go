package kubecontroller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
)

// Kubernetes Events, for `kubectl describe` and `kubectl events`: on a
// LiveMigration one per phase it enters and one per abort or force-complete
// the controller sends; on a ComputeHost one when its compute goes down or
// comes back and one when nova's service is disabled or enabled. An event
// is emitted only after the status that records its change is saved,
// against the status as last read or saved, so a write lost to a conflict
// (and redone by the next reconcile) is announced once, when it lands.

// EventReporter is the reporting controller of the LiveMigration events
// (events.k8s.io/v1 reportingController), HostEventReporter that of the
// ComputeHost events.
const (
	EventReporter     = "novanats.io/livemigration-controller"
	HostEventReporter = "novanats.io/computehost-controller"
)

// Event actions: what the controller did or watched.
const (
	actionMigrate       = "LiveMigrate"
	actionAbort         = "Abort"
	actionForceComplete = "ForceComplete"
	actionCheckLiveness = "CheckLiveness" // the service group's up/down judgement
	actionUpdateService = "UpdateService" // nova's service disabled or enabled
)

// savedStatusKey holds, in a reconcile's context, the LiveMigration's
// status as last read from or saved to the API server.
type savedStatusKey struct{}

type savedStatus struct{ status novav1.LiveMigrationStatus }

// withSavedStatus starts a reconcile of lm, just read, in ctx.
func withSavedStatus(ctx context.Context, lm *novav1.LiveMigration) context.Context {
	return context.WithValue(ctx, savedStatusKey{}, &savedStatus{status: *lm.Status.DeepCopy()})
}

// writeStatus saves lm's status and then announces what changed since the
// status last saved.
func (r *liveMigrations) writeStatus(ctx context.Context, lm *novav1.LiveMigration) error {
	if err := r.Status().Update(ctx, lm); err != nil {
		return err
	}
	saved, _ := ctx.Value(savedStatusKey{}).(*savedStatus)
	if saved == nil || r.recorder == nil {
		return nil
	}
	r.announce(lm, &saved.status)
	saved.status = *lm.Status.DeepCopy()
	return nil
}

// announce emits the events of the changes from was to lm's status.
func (r *liveMigrations) announce(lm *novav1.LiveMigration, was *novav1.LiveMigrationStatus) {
	st := &lm.Status
	for _, t := range st.PhaseTransitions[min(len(was.PhaseTransitions), len(st.PhaseTransitions)):] {
		if t.Phase == novav1.PhasePending {
			continue // the object's creation, which Kubernetes shows itself
		}
		kind := corev1.EventTypeNormal
		if t.Phase == novav1.PhaseFailed {
			kind = corev1.EventTypeWarning
		}
		r.recorder.Eventf(lm, nil, kind, string(t.Phase), actionMigrate, "%s", phaseNote(lm, t.Phase))
	}
	for _, req := range []struct{ condition, action string }{
		{novav1.ConditionAbortRequested, actionAbort},
		{novav1.ConditionForceCompleteRequested, actionForceComplete},
	} {
		c := meta.FindStatusCondition(st.Conditions, req.condition)
		if c == nil || meta.FindStatusCondition(was.Conditions, req.condition) != nil {
			continue
		}
		kind, reason := corev1.EventTypeNormal, req.condition
		if c.Status != "True" {
			kind, reason = corev1.EventTypeWarning, req.action+c.Reason // e.g. AbortRefused
		}
		r.recorder.Eventf(lm, nil, kind, reason, req.action, "%s", c.Message)
	}
}

// phaseNote says what entering phase means for lm, in the words of
// `kubectl describe`.
func phaseNote(lm *novav1.LiveMigration, phase novav1.LiveMigrationPhase) string {
	st := &lm.Status
	target := st.TargetHost
	if target == "" {
		target = "a host the scheduler picks"
	}
	switch phase {
	case novav1.PhaseScheduling:
		return fmt.Sprintf("live migration of instance %s requested from %s to %s (request %s)", st.InstanceUUID, st.SourceHost, target, st.RequestID)
	case novav1.PhaseQueued:
		return fmt.Sprintf("nova migration %s queued on %s, waiting for a free live-migration slot", st.MigrationID, st.SourceHost)
	case novav1.PhasePreparing:
		return fmt.Sprintf("nova migration %s: preparing %s -> %s", st.MigrationID, st.SourceHost, target)
	case novav1.PhaseRunning:
		return fmt.Sprintf("nova migration %s: memory copy running %s -> %s", st.MigrationID, st.SourceHost, target)
	case novav1.PhaseSucceeded:
		return fmt.Sprintf("instance %s now runs on %s (nova migration %s)", st.InstanceUUID, target, st.MigrationID)
	default: // Failed, Cancelled: the reason says it
		return st.Reason
	}
}

// announceHost emits the events of ch's change from was. A host seen for
// the first time (no Up condition yet) has nothing to compare with: its
// creation says it all.
func announceHost(rec recorder.EventRecorder, ch *novav1.ComputeHost, was *novav1.ComputeHostStatus) {
	if rec == nil || meta.FindStatusCondition(was.Conditions, ConditionUp) == nil {
		return
	}
	st := &ch.Status
	if st.Up != was.Up {
		if up := meta.FindStatusCondition(st.Conditions, ConditionUp); !st.Up && up != nil {
			rec.Eventf(ch, nil, corev1.EventTypeWarning, "Down", actionCheckLiveness, "%s (%s)", up.Message, up.Reason)
		} else if st.Up {
			rec.Eventf(ch, nil, corev1.EventTypeNormal, "Up", actionCheckLiveness, "the compute service reports again")
		}
	}
	if st.Disabled != was.Disabled {
		if st.Disabled {
			rec.Eventf(ch, nil, corev1.EventTypeNormal, "Disabled", actionUpdateService,
				"nova's compute service is disabled: new instances and migrations are not scheduled here (reason %q)", st.DisabledReason)
		} else {
			rec.Eventf(ch, nil, corev1.EventTypeNormal, "Enabled", actionUpdateService, "nova's compute service is enabled")
		}
	}
}
