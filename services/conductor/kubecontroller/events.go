package kubecontroller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
)

// Kubernetes Events on LiveMigrations, for `kubectl describe lm` and
// `kubectl events`: one per phase a LiveMigration enters and one per abort
// or force-complete the controller sends. An event is emitted only after
// the status that records its change is saved, against the status as last
// read or saved, so a write lost to a conflict (and redone by the next
// reconcile) is announced once, when it lands.

// EventReporter is the reporting controller of the events
// (events.k8s.io/v1 reportingController).
const EventReporter = "novanats.io/livemigration-controller"

// Event actions: what the controller did or watched.
const (
	actionMigrate       = "LiveMigrate"
	actionAbort         = "Abort"
	actionForceComplete = "ForceComplete"
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
