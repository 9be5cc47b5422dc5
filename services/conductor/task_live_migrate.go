package conductor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/novanats/novanats/pkg/config"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/services/scheduler"
)

// Event names of the conductor's part of a live migration, nova's
// wrap_instance_event(prefix='conductor') names of the two entry points.
// Around each select_destinations the conductor also records
// EventScheduleInstances, as it does for a boot: the scheduler records no
// event of its own, and a migration that tried three hosts shows three.
const (
	EventLiveMigrateInstance = "conductor_live_migrate_instance"
	EventMigrateServer       = "conductor_migrate_server"
)

// LiveMigrationComputeAPI is what the conductor sends to computes for a
// live migration; services/compute.API satisfies it. As with ComputeAPI,
// an interface because services/compute imports this package.
type LiveMigrationComputeAPI interface {
	// CheckCanLiveMigrateDestination calls the destination's check (which
	// calls the source's) and returns the migrate data for LiveMigration.
	CheckCanLiveMigrateDestination(ctx context.Context, dest string, inst *objects.Instance, blockMigration *bool, diskOverCommit bool, migration *objects.Migration) (*objects.LiveMigrateData, error)
	// LiveMigration casts live_migration to the source.
	LiveMigration(ctx context.Context, source string, inst *objects.Instance, dest string, blockMigration bool, migration *objects.Migration, data *objects.LiveMigrateData) error
}

// LiveMigrationConfig is what the live-migration tasks read from the
// conductor's configuration.
type LiveMigrationConfig struct {
	// ServiceGroup judges whether a compute is up (nova's
	// service_down_time), against the store's clock, which stamps the
	// computes' reports.
	ServiceGroup servicegroup.Config
	// MaxRetries is nova's migrate_max_retries: how many more
	// destinations the scheduler may offer after the first fails its
	// checks; config.UnlimitedRetries (-1) until no host is left.
	MaxRetries int
	// WorkerPool is the conductor's RPC worker pool (executor_thread_pool_size;
	// 0 is rpc.DefaultWorkerPool). Tasks run beside it, as many at once
	// as it has workers, and migrate_server calls may hold at most half of
	// it while they wait for their task (see LiveMigrations).
	WorkerPool int
}

// LiveMigrations serves the live-migration methods of the compute_task
// API: nova's ComputeTaskManager._live_migrate and its LiveMigrationTask.
// It works with the task manager's store, placement and scheduler client,
// and keeps no state between requests, so any conductor may take any
// request.
//
// A task does not run in the RPC worker that received its request. The
// computes it calls save their records through the conductor while it
// waits for them, so tasks holding every worker would wait for computes
// that wait for a worker: a hundred migrations cast at once did exactly
// that. Tasks therefore run in goroutines of their own (slots bounds how
// many at once); the cast's worker is free as soon as the task is handed
// over, and a migrate_server call's worker waits for its task only while
// fewer than half the workers are doing so (waiters), so that the other
// half always serves the computes. A call beyond that is refused before
// anything is written.
type LiveMigrations struct {
	t       *TaskManager
	compute LiveMigrationComputeAPI
	cfg     LiveMigrationConfig
	log     *slog.Logger

	slots   chan struct{}
	waiters chan struct{}
	running sync.WaitGroup
	// base ends every task's context when Stop gives up waiting.
	base   context.Context
	cancel context.CancelFunc
}

// NewLiveMigrations returns the live-migration tasks on t's store,
// placement and scheduler. The compute client is t's, which must also be
// a LiveMigrationComputeAPI (services/compute.API is); otherwise the
// methods are registered but refuse every request, saying so.
func NewLiveMigrations(t *TaskManager, cfg LiveMigrationConfig) *LiveMigrations {
	pool := cfg.WorkerPool
	if pool <= 0 {
		pool = rpc.DefaultWorkerPool
	}
	base, cancel := context.WithCancel(context.Background())
	lm := &LiveMigrations{
		t: t, cfg: cfg, log: t.log.With("task", "live_migration"),
		slots: make(chan struct{}, pool), waiters: make(chan struct{}, max(pool/2, 1)),
		base: base, cancel: cancel,
	}
	lm.compute, _ = t.compute.(LiveMigrationComputeAPI)
	return lm
}

// Stop waits for the tasks under way to hand their migrations over or
// fail, and cancels those still running when ctx ends; their outcome is
// recorded all the same (cleanupContext). Call it after the RPC server
// stopped taking requests.
func (lm *LiveMigrations) Stop(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		lm.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		lm.cancel()
		<-done
		return fmt.Errorf("conductor: live migration tasks still running at stop: %w", ctx.Err())
	}
}

// spawn runs fn in a goroutine of its own once a slot is free, with ctx's
// request (its values) but not its deadline or cancellation: a cast's
// handler context ends when the handler returns, and a task that has
// started writing must get to the end of it.
func (lm *LiveMigrations) spawn(ctx context.Context, fn func(context.Context)) {
	lm.running.Add(1)
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(lm.base, cancel)
	go func() {
		defer lm.running.Done()
		defer cancel()
		defer stop()
		select {
		case lm.slots <- struct{}{}:
		case <-tctx.Done():
			return // stopped before it began: nothing was written
		}
		defer func() { <-lm.slots }()
		fn(tctx)
	}()
}

// Register adds live_migrate_instance and migrate_server to the
// compute_task endpoint of srv.
func (lm *LiveMigrations) Register(srv *rpc.Server) {
	ep := srv.Endpoint(TaskNamespace, TaskAPIVersion)
	rpc.HandleCast(ep, LiveMigrateInstance, lm.liveMigrateInstance)
	rpc.HandleCall(ep, MigrateServer, lm.migrateServer)
}

// liveMigrateInstance is the cast. Its refusals have no one to go to:
// they are in the store (the Migration in 'error', the action's event
// with the reason) and in the RPC server's log and error counters, which
// a returned error reaches.
func (lm *LiveMigrations) liveMigrateInstance(ctx context.Context, args LiveMigrateInstanceArgs) error {
	if err := args.validate(LiveMigrateInstance.Spec.Name); err != nil {
		return err
	}
	if err := lm.ready(); err != nil {
		return err
	}
	lm.spawn(ctx, func(ctx context.Context) {
		_, _ = lm.migrate(ctx, args, EventLiveMigrateInstance) // migrate logs how it ended
	})
	return nil
}

// migrateServer is the call: the same migration, with the outcome of the
// conductor's part as the reply. When the caller stops waiting (its
// deadline, a stopping conductor) the task goes on and records its
// outcome in the store.
func (lm *LiveMigrations) migrateServer(ctx context.Context, args MigrateServerArgs) (MigrateServerReply, error) {
	if err := args.validate(); err != nil {
		return MigrateServerReply{}, err
	}
	if err := lm.ready(); err != nil {
		return MigrateServerReply{}, err
	}
	select {
	case lm.waiters <- struct{}{}:
		defer func() { <-lm.waiters }()
	default:
		return MigrateServerReply{}, fmt.Errorf("conductor: %d migrate_server calls already wait on this conductor, the most it lets wait so as to keep workers for the computes; retry, or use live_migrate_instance", cap(lm.waiters))
	}
	type outcome struct {
		m   *objects.Migration
		err error
	}
	done := make(chan outcome, 1)
	lm.spawn(ctx, func(ctx context.Context) {
		m, err := lm.migrate(ctx, args.LiveMigrateInstanceArgs, EventMigrateServer)
		done <- outcome{m, err}
	})
	select {
	case o := <-done:
		return MigrateServerReply{Migration: o.m}, o.err
	case <-ctx.Done():
		return MigrateServerReply{}, fmt.Errorf("migrate_server: stopped waiting for the task, which goes on: %w", ctx.Err())
	}
}

func (lm *LiveMigrations) ready() error {
	if err := lm.t.ready(); err != nil {
		return err
	}
	if lm.compute == nil {
		return errors.New("conductor: live migration is not available: the compute client has no live-migration methods")
	}
	return nil
}

// migrate runs one live-migration request to the point where the source
// compute has it. The writes come in an order that keeps a refused or
// concurrent request from leaving anything behind:
//
//  1. the instance's task_state goes from none to migrating in one
//     compare-and-swap that also checks vm_state (nova-api's
//     check_instance_state and instance.save(expected_task_state=[None])).
//     Of two requests for one instance, exactly one gets past this, and
//     the other has written nothing: no Migration, no action.
//  2. the "live-migration" action and the conductor's event;
//  3. the Migration (accepted), which from here on says how the request
//     ended.
//
// A failure after step 1 puts task_state back to none, as nova does.
func (lm *LiveMigrations) migrate(ctx context.Context, args LiveMigrateInstanceArgs, event string) (*objects.Migration, error) {
	uuid := args.InstanceUUID
	log := rpc.Logger(ctx, lm.log).With("instance_uuid", uuid, "event", event)
	inst, err := lm.beginMigrating(ctx, uuid)
	if err != nil {
		log.Info("live migration refused", "error", err)
		return nil, err
	}
	lm.actionStart(ctx, log, inst)
	lm.t.eventStart(ctx, log, uuid, event)
	mig, err := lm.createMigration(ctx, inst, args)
	if err != nil {
		err = fmt.Errorf("create the migration record: %w", err)
		lm.endMigrating(ctx, log, inst, nil, err)
		lm.t.eventFinish(ctx, log, uuid, event, err)
		return nil, err
	}
	log = log.With("migration_id", mig.ID.Get(), "migration_uuid", mig.UUID.Get())
	task := &liveMigrationTask{
		lm: lm, log: log, inst: inst, mig: mig,
		source:         placement.Node{Host: inst.Host.Get(), Nodename: inst.Node.Get()},
		requested:      args.Host,
		force:          args.Force,
		blockMigration: args.BlockMigration,
		diskOverCommit: args.DiskOverCommit,
	}
	if err := task.execute(ctx); err != nil {
		lm.endMigrating(ctx, log, inst, mig, err)
		lm.t.eventFinish(ctx, log, uuid, event, err)
		return nil, err
	}
	log.Info("live migration handed to the source compute", "source", task.source.Host, "dest", task.dest.Host)
	lm.t.eventFinish(ctx, log, uuid, event, nil)
	return mig, nil
}

// beginMigrating sets task_state migrating on an instance that can be
// live-migrated (vm_state active or paused, on a host) and has no task
// running, and returns it as stored.
func (lm *LiveMigrations) beginMigrating(ctx context.Context, uuid string) (*objects.Instance, error) {
	return lm.t.store.Instances.Update(ctx, uuid, func(i *objects.Instance) error {
		if vm := i.VMState.Get(); vm != objects.VMStateActive && vm != objects.VMStatePaused {
			return &exception.InstanceInvalidState{InstanceUUID: uuid, Attr: "vm_state", State: string(vm), Method: "live migrate"}
		}
		if h, _ := i.Host.Lookup(); h == "" {
			return &exception.InstanceInvalidState{InstanceUUID: uuid, Attr: "host", State: "None", Method: "live migrate"}
		}
		i.TaskState.Set(objects.TaskMigrating)
		return nil
	}, exception.NoTaskState)
}

// actionStart records the request's "live-migration" action, which nova's
// API records (compute/api.py live_migrate) and every service then adds
// its events to. Best effort, as the boot's: it describes the migration,
// it does not gate it.
func (lm *LiveMigrations) actionStart(ctx context.Context, log *slog.Logger, inst *objects.Instance) {
	rc, _ := rpc.RequestContextFrom(ctx)
	a := new(objects.InstanceAction)
	a.InstanceUUID.Set(inst.UUID.Get())
	a.RequestID.Set(rc.RequestID)
	a.Action.Set(objects.ActionLiveMigration)
	setOrCopy(&a.UserID, rc.UserID, &inst.UserID)
	setOrCopy(&a.ProjectID, rc.ProjectID, &inst.ProjectID)
	if err := lm.t.store.Actions.Start(ctx, a); err != nil {
		log.Warn("instance action not started", "action", objects.ActionLiveMigration, "error", err)
	}
}

// setOrCopy sets dst to v, or copies src when v is empty.
func setOrCopy(dst *objects.Nullable[string], v string, src *objects.Nullable[string]) {
	if v != "" {
		dst.Set(v)
		return
	}
	copyString(dst, src)
}

// createMigration stores the request's Migration as nova's _live_migrate
// does: accepted, of type live-migration, from the instance's host and
// node, to the requested host if there is one.
func (lm *LiveMigrations) createMigration(ctx context.Context, inst *objects.Instance, args LiveMigrateInstanceArgs) (*objects.Migration, error) {
	rc, _ := rpc.RequestContextFrom(ctx)
	m := new(objects.Migration)
	m.UUID.Set(uuid.NewString())
	m.InstanceUUID.Set(inst.UUID.Get())
	m.SourceCompute.Set(inst.Host.Get())
	copyString(&m.SourceNode, &inst.Node)
	setOrNull(&m.DestCompute, args.Host)
	m.DestNode.SetNull()
	m.DestHost.SetNull()
	m.Status.Set(objects.MigrationAccepted)
	m.MigrationType.Set(objects.MigrationTypeLiveMigration)
	m.Hidden.Set(false)
	setOrCopy(&m.UserID, rc.UserID, &inst.UserID)
	setOrCopy(&m.ProjectID, rc.ProjectID, &inst.ProjectID)
	if err := lm.t.store.Migrations.Create(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// endMigrating records a request that did not reach the source compute,
// as nova's _live_migrate does: a refusal (preCheckFailure) leaves the
// instance in the vm_state it had, an unexpected error puts it in ERROR;
// either way task_state goes back to none, the instance gets a fault
// saying why, and the Migration (mig, nil if none was created) ends in
// 'error'. The placement side was undone by the task's rollback.
func (lm *LiveMigrations) endMigrating(ctx context.Context, log *slog.Logger, inst *objects.Instance, mig *objects.Migration, cause error) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	uuid := inst.UUID.Get()
	expected := preCheckFailure(cause)
	upd := new(objects.Instance)
	upd.UUID.Set(uuid)
	upd.TaskState.SetNull()
	if !expected {
		upd.VMState.Set(objects.VMStateError)
	}
	upd.Fault.Set(lm.t.newFault(uuid, cause))
	err := lm.t.store.Instances.Save(ctx, upd, objects.TaskMigrating)
	switch {
	case err == nil && expected:
		log.Info("live migration refused; instance left as it was", "reason", userMessage(cause))
	case err == nil:
		log.Error("live migration failed unexpectedly; instance set to ERROR", "error", cause)
	case instanceGone(err):
		log.Info("instance deleted during its live migration's checks", "reason", userMessage(cause), "error", err)
	default:
		log.Error("instance not reset after its live migration failed", "reason", userMessage(cause), "error", err)
	}
	if mig == nil {
		return
	}
	if _, err := lm.t.store.Migrations.Update(ctx, mig.ID.Get(), func(m *objects.Migration) error {
		m.Status.Set(objects.MigrationError)
		return nil
	}); err != nil {
		log.Error("migration not set to error", "error", err)
		return
	}
	mig.Status.Set(objects.MigrationError)
	mig.ObjResetChanges("status")
}

// preCheckFailure says whether err is one of the refusals nova's
// _live_migrate expects (it leaves the instance's vm_state alone for
// these) rather than an unexpected failure (ERROR).
func preCheckFailure(err error) bool {
	var (
		nvh   *exception.NoValidHost
		hnf   *exception.ComputeHostNotFound
		unav  *exception.ComputeServiceUnavailable
		htype *exception.InvalidHypervisorType
		self  *exception.UnableToMigrateToSelf
		old   *exception.DestinationHypervisorTooOld
		state *exception.InstanceInvalidState
		sched *exception.MigrationSchedulerRPCError
	)
	return errors.As(err, &nvh) || errors.As(err, &hnf) || errors.As(err, &unav) || errors.As(err, &htype) ||
		errors.As(err, &self) || errors.As(err, &old) || errors.As(err, &state) || errors.As(err, &sched) ||
		isPreCheckError(err)
}

// liveMigrationTask is one request's LiveMigrationTask: the checks, the
// choice of destination, and the placement bookkeeping up to the cast to
// the source compute.
type liveMigrationTask struct {
	lm   *LiveMigrations
	log  *slog.Logger
	inst *objects.Instance
	mig  *objects.Migration
	// source is the instance's node; dest the destination once chosen.
	source, dest   placement.Node
	requested      string
	force          bool
	blockMigration *bool
	diskOverCommit bool
	spec           *objects.RequestSpec
	migrateData    *objects.LiveMigrateData

	// heldSource: the instance's allocation on the source has been
	// moved to the migration consumer and must move back on failure.
	heldSource bool
	// destClaim is the node the instance consumer holds a claim on (the
	// scheduler's, or the forced host's), to release on failure.
	destClaim *placement.Node
}

// execute is LiveMigrationTask._execute. On any failure what it did in
// placement is undone before it returns.
func (t *liveMigrationTask) execute(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			t.rollback(ctx)
		}
	}()
	if err := t.checkInstanceIsActive(); err != nil {
		return err
	}
	if err := t.checkHostIsUp(ctx, t.source.Host); err != nil {
		return err
	}
	if err := t.holdSourceAllocation(ctx); err != nil {
		return err
	}
	t.spec = t.requestSpec()
	if t.requested == "" {
		err = t.findDestination(ctx)
	} else {
		err = t.checkRequestedDestination(ctx)
	}
	if err != nil {
		return err
	}
	return t.handToSource(ctx)
}

// holdSourceAllocation moves the instance's allocation on the source to
// the migration (nova's replace_allocation_with_migration), so that the
// instance consumer is free to claim on the destination while the source
// stays counted. An instance that holds nothing there (created before
// placement tracked it) migrates without: nova does the same.
func (t *liveMigrationTask) holdSourceAllocation(ctx context.Context) error {
	err := t.lm.t.placement.Move(ctx, t.source, t.inst.UUID.Get(), t.mig.UUID.Get())
	var none *placement.AllocationNotFound
	switch {
	case errors.As(err, &none):
		t.log.Info("instance holds no allocation on its source; migrating without one", "source", t.source.String())
		return nil
	case err != nil:
		return fmt.Errorf("move the source allocation to the migration: %w", err)
	}
	t.heldSource = true
	return nil
}

// requestSpec is what the scheduler is asked for: the instance's flavor,
// for one instance, which is also the placement consumer it claims for.
// The availability zone is left open: without the boot's request spec
// the conductor cannot tell a zone the user asked for from the one the
// instance landed in, and nova pins only the former.
func (t *liveMigrationTask) requestSpec() *objects.RequestSpec {
	spec := new(objects.RequestSpec)
	spec.InstanceUUID.Set(t.inst.UUID.Get())
	copyString(&spec.UserID, &t.inst.UserID)
	copyString(&spec.ProjectID, &t.inst.ProjectID)
	spec.Flavor.Set(t.inst.Flavor.Get())
	spec.NumInstances.Set(1)
	spec.IsBFV.Set(false)
	return spec
}

// findDestination is nova's _find_destination: ask the scheduler for a
// host other than those tried, check it, and on a refusal release its
// claim and ask again without it, until a host passes, the scheduler has
// none left (NoValidHost) or migrate_max_retries is reached
// (MaxRetriesExceeded). The loop ends by the number of hosts at worst:
// each round adds one to ignore_hosts.
func (t *liveMigrationTask) findDestination(ctx context.Context) error {
	attempted := []string{t.source.Host}
	limits := config.Conductor{MigrateMaxRetries: t.lm.cfg.MaxRetries}
	for {
		if limits.OverMaxRetries(len(attempted)) {
			return &exception.MaxRetriesExceeded{NoValidHost: exception.NoValidHost{Reason: fmt.Sprintf(
				"Exceeded max scheduling retries %d for instance %s during live migration (tried %s)",
				t.lm.cfg.MaxRetries, t.inst.UUID.Get(), strings.Join(attempted[1:], ", "))}}
		}
		t.spec.IgnoreHosts.Set(append([]string(nil), attempted...))
		node, err := t.selectDestination(ctx)
		if err != nil {
			return err
		}
		err = t.checkCompatibleWithSource(ctx, node)
		if err == nil {
			err = t.callLiveMigrationChecks(ctx, node.Host)
		}
		if err == nil {
			t.dest = node
			return nil
		}
		if !skippable(err) {
			return err
		}
		t.log.Info("skipping destination", "host", node.Host, "reason", err)
		attempted = append(attempted, node.Host)
		t.releaseDestClaim(ctx)
	}
}

// skippable says whether a destination's refusal lets the task try
// another one (nova: exception.Invalid and MigrationPreCheckError).
func skippable(err error) bool {
	var htype *exception.InvalidHypervisorType
	var old *exception.DestinationHypervisorTooOld
	return errors.As(err, &htype) || errors.As(err, &old) || isPreCheckError(err)
}

// selectDestination asks any scheduler for one host, which it claims for
// the instance consumer. A NoValidHost comes back as it is; any other
// failure is nova's MigrationSchedulerRPCError, after releasing whatever
// the instance may hold: the scheduler may have claimed before it failed,
// and the instance consumer holds nothing else while the source
// allocation is the migration's.
func (t *liveMigrationTask) selectDestination(ctx context.Context) (placement.Node, error) {
	uuid := t.inst.UUID.Get()
	t.lm.t.eventStart(ctx, t.log, uuid, EventScheduleInstances)
	sels, err := t.lm.t.scheduler.SelectDestinations(ctx, scheduler.SelectDestinationsArgs{
		RequestSpec: t.spec, InstanceUUIDs: []string{uuid}, ReturnObjects: true, ReturnAlternates: false,
	})
	if err == nil && (len(sels) != 1 || len(sels[0]) == 0 || sels[0][0] == nil || sels[0][0].ServiceHost.Get() == "") {
		err = fmt.Errorf("select_destinations answered %d host lists for one instance, or no host", len(sels))
	}
	if err != nil && !isNoValidHost(err) {
		if t.heldSource {
			t.releaseAll(ctx)
		}
		err = &exception.MigrationSchedulerRPCError{Reason: err.Error()}
	}
	t.lm.t.eventFinish(ctx, t.log, uuid, EventScheduleInstances, err)
	if err != nil {
		return placement.Node{}, err
	}
	sel := sels[0][0]
	node := placement.Node{Host: sel.ServiceHost.Get(), Nodename: sel.Nodename.Get()}
	t.destClaim = &node
	return node, nil
}

// checkRequestedDestination runs the checks on a destination the user
// named (nova's forced-host path, which our requested host without force
// shares): not the source, up, enough memory, a compatible hypervisor;
// then the claim on it (the scheduler's with the host as
// requested_destination, or without force a direct one in placement);
// then the computes' own checks.
func (t *liveMigrationTask) checkRequestedDestination(ctx context.Context) error {
	host := t.requested
	if err := t.checkDestinationIsNotSource(host); err != nil {
		return err
	}
	if err := t.checkHostIsUp(ctx, host); err != nil {
		return err
	}
	destCN, err := t.lm.t.store.ComputeNodes.GetByHost(ctx, host)
	if err != nil {
		return err
	}
	if err := t.checkDestinationHasEnoughMemory(destCN); err != nil {
		return err
	}
	node := placement.Node{Host: host, Nodename: destCN.HypervisorHostname.Get()}
	if err := t.checkCompatibleWithSource(ctx, node); err != nil {
		return err
	}
	if t.force {
		err = t.claimForced(ctx, node)
	} else {
		err = t.claimRequested(ctx, node)
	}
	if err != nil {
		return err
	}
	if err := t.callLiveMigrationChecks(ctx, host); err != nil {
		return err
	}
	t.dest = node
	return nil
}

// claimForced claims the instance's flavor on a forced destination,
// where no scheduler runs (nova's claim_resources_on_destination); a
// destination without room is nova's NoValidHost.
func (t *liveMigrationTask) claimForced(ctx context.Context, node placement.Node) error {
	err := t.lm.t.placement.Claim(ctx, node, t.inst.UUID.Get(), scheduler.ResourcesFromSpec(t.spec))
	var full *placement.ClaimFailed
	var unknown *placement.ResourceProviderNotFound
	switch {
	case errors.As(err, &full) || errors.As(err, &unknown):
		return &exception.NoValidHost{Reason: fmt.Sprintf("Unable to move instance %s to host %s. There is not enough capacity on the host for the instance: %v",
			t.inst.UUID.Get(), node.Host, err)}
	case err != nil:
		return fmt.Errorf("claim on the forced destination %s: %w", node, err)
	}
	t.destClaim = &node
	return nil
}

// claimRequested has the scheduler check and claim the requested host.
func (t *liveMigrationTask) claimRequested(ctx context.Context, node placement.Node) error {
	d := new(objects.Destination)
	d.Host.Set(node.Host)
	if node.Nodename != "" {
		d.Node.Set(node.Nodename)
	}
	t.spec.RequestedDestination.Set(d)
	t.spec.IgnoreHosts.Set([]string{t.source.Host})
	got, err := t.selectDestination(ctx)
	if err != nil {
		return err
	}
	if got.Host != node.Host {
		return fmt.Errorf("select_destinations chose %s, not the requested destination %s", got.Host, node.Host)
	}
	return nil
}

// handToSource records the destination on the Migration and casts
// live_migration to the source, which from then on owns the migration,
// its status and its placement bookkeeping.
func (t *liveMigrationTask) handToSource(ctx context.Context) error {
	m := t.mig
	m.SourceNode.Set(t.source.Nodename)
	m.DestCompute.Set(t.dest.Host)
	m.DestNode.Set(t.dest.Nodename)
	if err := t.lm.t.store.Migrations.Save(ctx, m); err != nil {
		return fmt.Errorf("record the destination on the migration: %w", err)
	}
	block := t.migrateData.BlockMigration.Get()
	if t.blockMigration != nil {
		block = *t.blockMigration
	}
	if err := t.lm.compute.LiveMigration(ctx, t.source.Host, t.inst, t.dest.Host, block, m, t.migrateData); err != nil {
		return fmt.Errorf("live_migration not sent to %s: %w", t.source.Host, err)
	}
	return nil
}

// rollback undoes the task's placement changes (nova's
// LiveMigrationTask.rollback): the destination claim goes, and the
// source allocation returns from the migration to the instance.
func (t *liveMigrationTask) rollback(ctx context.Context) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	t.releaseDestClaim(ctx)
	if !t.heldSource {
		return
	}
	if err := t.lm.t.placement.Move(ctx, t.source, t.mig.UUID.Get(), t.inst.UUID.Get()); err != nil {
		t.log.Error("source allocation not moved back to the instance; its usage is held by the migration", "source", t.source.String(), "error", err)
		return
	}
	t.heldSource = false
}

// releaseDestClaim drops the instance's claim on the destination it was
// about to use.
func (t *liveMigrationTask) releaseDestClaim(ctx context.Context) {
	if t.destClaim == nil {
		return
	}
	err := t.lm.t.placement.Release(ctx, *t.destClaim, t.inst.UUID.Get())
	var gone *placement.AllocationNotFound
	if err != nil && !errors.As(err, &gone) {
		t.log.Error("destination claim not released", "node", t.destClaim.String(), "error", err)
		return
	}
	t.destClaim = nil
}

// releaseAll drops every claim the instance consumer holds, for a
// scheduler call whose outcome is unknown. It is only right while the
// source allocation is the migration's: then the instance holds nothing
// that should survive.
func (t *liveMigrationTask) releaseAll(ctx context.Context) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	if _, err := t.lm.t.placement.ReleaseConsumer(ctx, t.inst.UUID.Get()); err != nil {
		t.log.Error("claims of a failed select_destinations not released", "error", err)
	}
}
