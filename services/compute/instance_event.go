package compute

import (
	"context"

	"github.com/novanats/novanats/pkg/rpc"
)

// Instance action event names: nova's wrap_instance_event(prefix='compute')
// names an event "compute_" + the decorated method's name, hence the
// double underscore of the private _do_build_and_run_instance.
const (
	EventBuildAndRunInstance = "compute__do_build_and_run_instance"
	EventTerminateInstance   = "compute_terminate_instance"
)

// withInstanceEvent runs step between the start and the finish of an
// InstanceActionEvent of the request in ctx, both stamped with this host,
// as nova's EventReporter does: the finish records Success, or Error with
// the step's error as details.
//
// Recording is best effort here, where nova would fail the step when the
// event cannot be started (no action for the request, conductor down): the
// step changes the instance and the hypervisor, the event only describes
// it, and a cast has nobody to report the refusal to. A failure to record
// is logged with the request id.
func (m *Manager) withInstanceEvent(ctx context.Context, event, instanceUUID string, step func(context.Context) error) error {
	log := rpc.Logger(ctx, m.log).With("instance_uuid", instanceUUID, "event", event)
	started := true
	if _, err := m.conductor.EventStart(ctx, instanceUUID, event, m.host); err != nil {
		started = false
		log.Warn("instance action event not started", "error", err)
	}
	err := step(ctx)
	if started {
		fctx, cancel := m.cleanupContext(ctx)
		defer cancel()
		if _, ferr := m.conductor.EventFinish(fctx, instanceUUID, event, m.host, err); ferr != nil {
			log.Warn("instance action event not finished", "error", ferr)
		}
	}
	return err
}
