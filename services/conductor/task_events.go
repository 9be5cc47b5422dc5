package conductor

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
)

// Instance action and event names of a boot, nova's, so that a timeline
// reads as nova's `server event list` would.
const (
	// ActionCreate is nova's instance_actions.CREATE, the action of a boot.
	ActionCreate = "create"
	// EventScheduleAndBuildInstances is the conductor's part of a boot,
	// from the instance's creation to the cast to its compute. Nova
	// records it only when it buries an instance it could not schedule;
	// ours records it for every boot, so that each timeline starts with
	// the conductor and a failure there is visible next to a success.
	EventScheduleAndBuildInstances = "conductor_schedule_and_build_instances"
	// EventScheduleInstances brackets select_destinations, as nova's
	// conductor does around its scheduler call (unshelve): the scheduler
	// records no event of its own.
	EventScheduleInstances = "schedule_instances"
)

// requestIDOf is the request id the actions of ctx's request are kept under.
func requestIDOf(ctx context.Context) string {
	rc, _ := rpc.RequestContextFrom(ctx)
	return rc.RequestID
}

// actionStart records the "create" action of the request for inst
// (nova's InstanceAction.action_start). Recording is best effort, as in
// compute's events: the action describes the boot, it does not gate it.
func (t *TaskManager) actionStart(ctx context.Context, log *slog.Logger, inst *objects.Instance) {
	a := new(objects.InstanceAction)
	a.InstanceUUID.Set(inst.UUID.Get())
	a.RequestID.Set(requestIDOf(ctx))
	a.Action.Set(ActionCreate)
	copyString(&a.UserID, &inst.UserID)
	copyString(&a.ProjectID, &inst.ProjectID)
	if err := t.store.Actions.Start(ctx, a); err != nil {
		log.Warn("instance action not started", "action", ActionCreate, "error", err)
	}
}

// eventStart and eventFinish are nova's EventReporter for the conductor:
// each event carries this conductor's host, and finishes with Success or
// with Error, the error's message as details and its chain as traceback.
// Best effort: a failure to record is logged with the request id.
func (t *TaskManager) eventStart(ctx context.Context, log *slog.Logger, instanceUUID, event string) {
	ev := new(objects.InstanceActionEvent)
	ev.Event.Set(event)
	ev.Host.Set(t.host)
	if err := t.store.Actions.EventStart(ctx, instanceUUID, requestIDOf(ctx), ev); err != nil {
		log.Warn("instance action event not started", "event", event, "error", err)
	}
}

func (t *TaskManager) eventFinish(ctx context.Context, log *slog.Logger, instanceUUID, event string, failure error) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	fin := new(objects.InstanceActionEvent)
	fin.Event.Set(event)
	fin.Host.Set(t.host)
	fin.Result.Set(objects.EventResultSuccess)
	if failure != nil {
		fin.Result.Set(objects.EventResultError)
		fin.Details.Set(userMessage(failure))
		fin.Traceback.Set(fmt.Sprintf("%+v", failure))
	}
	if err := t.store.Actions.EventFinish(ctx, instanceUUID, requestIDOf(ctx), fin); err != nil {
		log.Warn("instance action event not finished", "event", event, "error", err)
	}
}

// copyString copies a nullable string, leaving dst unset when src is.
func copyString(dst, src *objects.Nullable[string]) {
	if v, ok := src.Lookup(); ok {
		dst.Set(v)
	} else if src.IsNull() {
		dst.SetNull()
	}
}
