package objects

import "time"

// Results of an InstanceActionEvent, as nova writes them.
const (
	EventResultSuccess = "Success"
	EventResultError   = "Error"
)

// InstanceActionEvent is one step of an InstanceAction, e.g.
// "compute_pre_live_migration" on the destination, with its outcome. A failed
// step carries the exception as traceback (operators) and details (users).
type InstanceActionEvent struct {
	base[InstanceActionEvent]
	ID         Field[int]          `obj:"id"`
	Event      Nullable[string]    `obj:"event"`
	ActionID   Nullable[int]       `obj:"action_id"`
	StartTime  Nullable[time.Time] `obj:"start_time"`
	FinishTime Nullable[time.Time] `obj:"finish_time"`
	Result     Nullable[string]    `obj:"result"`
	Traceback  Nullable[string]    `obj:"traceback"`
	Host       Nullable[string]    `obj:"host,added=1.1"`
	Details    Nullable[string]    `obj:"details,added=1.2"`
	Persistent
}

func init() {
	register[InstanceActionEvent](spec{version: "1.2", history: []string{
		"1.0: Initial version",
		"1.1: Added host",
		"1.2: Added details",
	}})
}
