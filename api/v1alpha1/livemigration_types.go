package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LiveMigrationPhase is where a LiveMigration stands. The phases between
// Queued and PostCopy follow nova's Migration.status; Pending and Scheduling
// are before nova has a Migration record, and the three last are final.
//
// +kubebuilder:validation:Enum=Pending;Scheduling;Queued;Preparing;Running;PostCopy;Succeeded;Failed;Cancelled
type LiveMigrationPhase string

const (
	// PhasePending: accepted by the API server, not yet seen by the controller.
	PhasePending LiveMigrationPhase = "Pending"
	// PhaseScheduling: the conductor was asked; it checks the instance and
	// asks the scheduler for a destination (nova's migration is "accepted").
	PhaseScheduling LiveMigrationPhase = "Scheduling"
	// PhaseQueued: a destination is chosen; the source compute has the
	// migration queued.
	PhaseQueued LiveMigrationPhase = "Queued"
	// PhasePreparing: pre_live_migration on the destination.
	PhasePreparing LiveMigrationPhase = "Preparing"
	// PhaseRunning: memory is being copied (pre-copy).
	PhaseRunning LiveMigrationPhase = "Running"
	// PhasePostCopy: the instance runs on the destination and pulls the rest
	// of its memory (after force-complete with post-copy allowed).
	PhasePostCopy LiveMigrationPhase = "PostCopy"
	// PhaseSucceeded: the instance runs on the target host.
	PhaseSucceeded LiveMigrationPhase = "Succeeded"
	// PhaseFailed: the migration did not happen; the instance stays (or is
	// rolled back) on the source. Status.Reason says why.
	PhaseFailed LiveMigrationPhase = "Failed"
	// PhaseCancelled: aborted (by deleting the LiveMigration or `kubectl nova
	// abort`); the instance stays on the source.
	PhaseCancelled LiveMigrationPhase = "Cancelled"
)

// Finished says whether the phase is final: nothing changes after it.
func (p LiveMigrationPhase) Finished() bool {
	return p == PhaseSucceeded || p == PhaseFailed || p == PhaseCancelled
}

// Condition types of a LiveMigration.
const (
	// ConditionAccepted is true once the conductor accepted the request and a
	// nova Migration exists (status.migrationID is set).
	ConditionAccepted = "Accepted"
	// ConditionComplete is true when the migration finished, whichever way;
	// its reason is the final phase.
	ConditionComplete = "Complete"
	// ConditionForceCompleteRequested is true once force-complete was sent.
	ConditionForceCompleteRequested = "ForceCompleteRequested"
	// ConditionAbortRequested is true once an abort was sent.
	ConditionAbortRequested = "AbortRequested"
)

// LiveMigrationFinalizer keeps a LiveMigration that has not finished until
// its migration is aborted, so deleting it never leaves a migration running
// that nobody can see.
const LiveMigrationFinalizer = "novanats.io/abort-migration"

// LiveMigrationSpec is what the user asks for. It cannot be changed once
// created, except forceComplete and abort, which may go from false to true.
//
// +kubebuilder:validation:XValidation:rule="self.instance == oldSelf.instance",message="instance is immutable"
// +kubebuilder:validation:XValidation:rule="has(self.targetHost) == has(oldSelf.targetHost) && (!has(self.targetHost) || self.targetHost == oldSelf.targetHost)",message="targetHost is immutable"
// +kubebuilder:validation:XValidation:rule="!(has(oldSelf.forceComplete) && oldSelf.forceComplete) || (has(self.forceComplete) && self.forceComplete)",message="forceComplete cannot be set back to false"
// +kubebuilder:validation:XValidation:rule="!(has(oldSelf.abort) && oldSelf.abort) || (has(self.abort) && self.abort)",message="abort cannot be set back to false"
type LiveMigrationSpec struct {
	// Instance is the instance to move: its name or its UUID.
	//
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	Instance string `json:"instance"`

	// TargetHost is the compute host to move to (nova's `--host`). Empty lets
	// the scheduler choose.
	//
	// +optional
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`
	TargetHost string `json:"targetHost,omitempty"`

	// ForceComplete, set to true while the migration runs, asks nova to
	// force it to complete (pause the instance, or switch to post-copy).
	//
	// +optional
	ForceComplete bool `json:"forceComplete,omitempty"`

	// Abort, set to true while the migration runs, cancels it (nova's
	// `live-migration-abort`) and keeps this object, phase Cancelled, as a
	// record. Deleting the object aborts too, and removes it.
	//
	// +optional
	Abort bool `json:"abort,omitempty"`
}

// MigrationProgress is the memory copy's progress, as the source compute
// reports it (nova's Migration.memory_*).
type MigrationProgress struct {
	// +optional
	MemoryTotalBytes int64 `json:"memoryTotalBytes,omitempty"`
	// +optional
	MemoryProcessedBytes int64 `json:"memoryProcessedBytes,omitempty"`
	// +optional
	MemoryRemainingBytes int64 `json:"memoryRemainingBytes,omitempty"`
	// Percent of memory copied, 0 to 100.
	//
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Percent int32 `json:"percent,omitempty"`
	// Summary is Percent for the PROGRESS column, e.g. "42%".
	//
	// +optional
	Summary string `json:"summary,omitempty"`
}

// PhaseTransition records when a LiveMigration entered a phase.
type PhaseTransition struct {
	Phase LiveMigrationPhase `json:"phase"`
	Time  metav1.Time        `json:"time"`
}

// LiveMigrationStatus mirrors nova's Migration record.
type LiveMigrationStatus struct {
	// +optional
	Phase LiveMigrationPhase `json:"phase,omitempty"`

	// MigrationID is the UUID of nova's Migration record. It is also the
	// idempotency key: once set, the controller never starts another
	// migration for this object.
	//
	// +optional
	MigrationID string `json:"migrationID,omitempty"`

	// RequestID is the nova request id ("req-<uuid>") the controller
	// sends the migration under. It is written before the request is sent,
	// so a controller that restarts (or a new leader) finds the request's
	// InstanceAction, and through it the Migration, instead of sending a
	// second request: the other half of the idempotency key with
	// MigrationID.
	//
	// +optional
	RequestID string `json:"requestID,omitempty"`

	// InstanceUUID is the instance the spec named, resolved.
	//
	// +optional
	InstanceUUID string `json:"instanceUUID,omitempty"`

	// +optional
	SourceHost string `json:"sourceHost,omitempty"`
	// +optional
	TargetHost string `json:"targetHost,omitempty"`

	// +optional
	Progress *MigrationProgress `json:"progress,omitempty"`

	// Reason says, in words for a user, why the migration failed or was
	// cancelled.
	//
	// +optional
	Reason string `json:"reason,omitempty"`

	// PhaseTransitions lists when each phase was entered, oldest first.
	//
	// +optional
	// +listType=atomic
	PhaseTransitions []PhaseTransition `json:"phaseTransitions,omitempty"`

	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the spec generation the status was written for.
	//
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// LiveMigration asks nova to live-migrate one instance, like
// `nova live-migration` or KubeVirt's VirtualMachineInstanceMigration.
// Deleting one that has not finished aborts the migration.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=lm,categories=novanats
// +kubebuilder:printcolumn:name="Instance",type=string,JSONPath=`.spec.instance`
// +kubebuilder:printcolumn:name="Source",type=string,JSONPath=`.status.sourceHost`
// +kubebuilder:printcolumn:name="Target",type=string,JSONPath=`.status.targetHost`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Progress",type=string,JSONPath=`.status.progress.summary`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type LiveMigration struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   LiveMigrationSpec   `json:"spec"`
	Status LiveMigrationStatus `json:"status,omitempty"`
}

// LiveMigrationList is a list of LiveMigrations.
//
// +kubebuilder:object:root=true
type LiveMigrationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []LiveMigration `json:"items"`
}

func init() {
	SchemeBuilder.Register(&LiveMigration{}, &LiveMigrationList{})
}
