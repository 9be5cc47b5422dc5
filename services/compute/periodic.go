package compute

import (
	"context"
	"log/slog"
	"time"

	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/servicegroup"
)

// periodicTask is one of nova's @periodic_task methods: a name for the
// logs and what to run.
type periodicTask struct {
	name     string
	interval time.Duration
	run      func(context.Context) error
}

// periodicTasks are the compute's periodic tasks. Live migration adds
// none; later parts (power state sync, cleaning running deleted
// instances) add theirs here.
func (m *Manager) periodicTasks() []periodicTask {
	var tasks []periodicTask
	if d := m.cfg.updateResourcesInterval(); d > 0 {
		tasks = append(tasks, periodicTask{name: "update_available_resource", interval: d, run: m.rt.updateAvailableResource})
	}
	return tasks
}

// runPeriodic runs task on every tick of clock until ctx ends. Each run is
// a request of its own, with a fresh request id on its log lines and
// conductor calls, as nova's periodic tasks run with an admin context. A
// failed run is logged and the next tick tries again. A run that outlasts
// the interval makes the ticker drop the ticks it missed, as nova skips
// a periodic task still running.
func runPeriodic(ctx context.Context, clock servicegroup.Clock, task periodicTask, log *slog.Logger) {
	t := clock.NewTicker(task.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		rctx := rpc.StartTrace(rpc.WithRequestContext(ctx, rpc.NewRequestContext()))
		if err := task.run(rctx); err != nil && ctx.Err() == nil {
			rpc.Logger(rctx, log).Warn("periodic task failed", "task", task.name, "error", err)
		}
	}
}
