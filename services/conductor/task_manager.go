package conductor

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/scheduler"
)

// ComputeAPI is what the compute_task API sends to computes. The
// compute's own client, services/compute.API, satisfies it. It is an
// interface, not that type, because services/compute imports this
// package (object indirection), so this package cannot import it back:
// whoever wires the services passes compute.NewAPI(nc) as Config.Compute.
type ComputeAPI interface {
	// BuildAndRunInstance casts build_and_run_instance to host for inst
	// on node.
	BuildAndRunInstance(ctx context.Context, host string, inst *objects.Instance, node string) error
}

// TaskManager handles the compute_task API: nova's ComputeTaskManager.
// Like Manager it keeps no state between requests (the store, placement
// and the scheduler hold it all), so any number of conductors serve the
// namespace together and a request may land on any of them.
type TaskManager struct {
	host      string
	store     *store.Store
	placement *placement.Placement
	scheduler *scheduler.API
	compute   ComputeAPI
	log       *slog.Logger
}

// NewTaskManager returns the compute_task manager working on st and pl,
// scheduling through sched and building through cmp. cfg supplies the
// conductor's host (recorded on the instance action events it writes, as
// nova's self.host) and the logger. A nil pl or cmp leaves the manager
// registered but refusing every request, saying which is missing.
func NewTaskManager(st *store.Store, pl *placement.Placement, sched *scheduler.API, cmp ComputeAPI, cfg Config) *TaskManager {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &TaskManager{
		host: cfg.Host, store: st, placement: pl, scheduler: sched, compute: cmp,
		log: log.With("service", "conductor", "namespace", TaskNamespace),
	}
}

// Register adds the compute_task handlers to srv, on their own endpoint.
func (t *TaskManager) Register(srv *rpc.Server) {
	ep := srv.Endpoint(TaskNamespace, TaskAPIVersion)
	rpc.HandleCast(ep, ScheduleAndBuildInstances, t.scheduleAndBuildInstances)
}

// ready says what the manager lacks to serve a request, before the
// request writes anything: a build that could not release its claims or
// reach a compute must not start.
func (t *TaskManager) ready() error {
	var missing []string
	if t.store == nil {
		missing = append(missing, "no store")
	}
	if t.placement == nil {
		missing = append(missing, "no placement (open the store's DB with placement.Bucket(), or set Config.Placement)")
	}
	if t.scheduler == nil {
		missing = append(missing, "no scheduler client")
	}
	if t.compute == nil {
		missing = append(missing, "no compute client (set Config.Compute to compute.NewAPI(nc))")
	}
	if len(missing) > 0 {
		return errors.New("conductor: the compute_task API is not available: " + strings.Join(missing, "; "))
	}
	return nil
}

// taskCleanupTimeout bounds the writes that record how a request ended
// (ERROR, fault, event, released claims) once the request's own context
// has ended, as when a stopping conductor gives up waiting: the outcome
// is still written, but a stop is not held up for long by it.
const taskCleanupTimeout = 10 * time.Second

// cleanupContext keeps ctx's values (the request id) without its
// cancellation, bounded by taskCleanupTimeout.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), taskCleanupTimeout)
}
