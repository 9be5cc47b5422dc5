package objects

import "time"

// Instance action names (nova's instance_actions) used by live migration.
const (
	ActionLiveMigration              = "live-migration"
	ActionLiveMigrationAbort         = "live_migration_abort"
	ActionLiveMigrationForceComplete = "live_migration_force_complete"
)

// InstanceAction is one user request against an instance (the timeline
// `server event list` shows), identified by the request id that every
// service handling it logs.
type InstanceAction struct {
	base[InstanceAction]
	ID           Field[int]          `obj:"id"`
	Action       Nullable[string]    `obj:"action"`
	InstanceUUID Nullable[string]    `obj:"instance_uuid,uuid"`
	RequestID    Nullable[string]    `obj:"request_id"`
	UserID       Nullable[string]    `obj:"user_id"`
	ProjectID    Nullable[string]    `obj:"project_id"`
	StartTime    Nullable[time.Time] `obj:"start_time"`
	FinishTime   Nullable[time.Time] `obj:"finish_time"`
	Message      Nullable[string]    `obj:"message"`
	Persistent
}

func init() {
	register[InstanceAction](spec{version: "1.0", history: []string{
		"1.0: Initial version",
	}})
}
