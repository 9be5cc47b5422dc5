package compute

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/services/compute/migrationmetrics"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/conductor"
)

// Binary is the compute's service binary name, as in nova's services table.
const Binary = "nova-compute"

// cleanupTimeout bounds the writes that record an outcome after the
// operation's own context ended (a stop that stopped waiting): the failure
// is still recorded, but a stop is not held up for long by a conductor
// that does not answer.
const cleanupTimeout = 10 * time.Second

// Manager is nova's ComputeManager for one host: it handles the compute's
// RPC methods, drives the virt driver, and writes every state change
// through the conductor (it has no store). Handlers are named after
// nova's.
type Manager struct {
	host      string
	cfg       Config
	driver    virt.Driver
	conductor *conductor.Indirection
	api       *conductor.API // placement methods
	rt        *resourceTracker
	clock     servicegroup.Clock
	log       *slog.Logger

	locks  instanceLocks
	builds chan struct{} // max_concurrent_builds tokens; nil is unlimited
	work   *inflight

	// compute reaches other computes (live migration's calls between
	// source and destination); set by NewService.
	compute *API
	lm      *lmExecutor               // live migrations from this host
	mm      *migrationmetrics.Metrics // their Prometheus metrics
}

// NewManager returns the manager of cfg.Host driving driver, reaching the
// conductor through api.
func NewManager(driver virt.Driver, api *conductor.API, cfg Config) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if driver == nil || api == nil {
		return nil, errors.New("compute: NewManager needs a driver and a conductor API")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("service", "compute", "host", cfg.Host)
	clock := cfg.Clock
	if clock == nil {
		clock = servicegroup.RealClock()
	}
	x := conductor.NewIndirection(api, conductor.WithIndirectionLogger(log))
	m := &Manager{
		host: cfg.Host, cfg: cfg, driver: driver, conductor: x, api: api, clock: clock, log: log,
		rt:   newResourceTracker(cfg.Host, cfg, driver, x, api, clock, log),
		work: newInflight(),
	}
	if n := cfg.MaxConcurrentBuilds; n > 0 {
		m.builds = make(chan struct{}, n)
	}
	m.lm = newLMExecutor(cfg.MaxConcurrentLiveMigrations, func(fn func()) bool {
		return m.work.start(m.work.base, func(context.Context) { fn() })
	})
	m.mm = migrationmetrics.New(cfg.Registerer, cfg.Host)
	return m, nil
}

// SetComputeAPI gives the manager the client it reaches other computes
// with (live migration). NewService sets it; a Manager without one
// refuses live migrations.
func (m *Manager) SetComputeAPI(api *API) { m.compute = api }

// Host is the host this manager serves.
func (m *Manager) Host() string { return m.host }

// Register adds the manager's handlers to srv's default endpoint.
func (m *Manager) Register(srv *rpc.Server) {
	ep := srv.Endpoint("", APIVersion)
	rpc.HandleCast(ep, BuildAndRunInstance, m.buildAndRunInstance)
	rpc.HandleCast(ep, TerminateInstance, m.terminateInstance)
	rpc.HandleCall(ep, GetInstanceDiagnostics, m.getInstanceDiagnostics)

	rpc.HandleCall(ep, CheckCanLiveMigrateDestination, m.checkCanLiveMigrateDestination)
	rpc.HandleCall(ep, CheckCanLiveMigrateSource, m.checkCanLiveMigrateSource)
	rpc.HandleCall(ep, PreLiveMigration, m.preLiveMigration)
	rpc.HandleCast(ep, LiveMigration, m.liveMigration)
	rpc.HandleCast(ep, LiveMigrationAbort, m.liveMigrationAbort)
	rpc.HandleCast(ep, LiveMigrationForceComplete, m.liveMigrationForceComplete)
	rpc.HandleCall(ep, PostLiveMigrationAtDestination, m.postLiveMigrationAtDestination)
	rpc.HandleCast(ep, RollbackLiveMigrationAtDestination, m.rollbackLiveMigrationAtDestination)
}

// now is the time stamped on launched_at and terminated_at, in UTC as
// nova's timeutils.utcnow().
func (m *Manager) now() time.Time { return m.clock.Now().UTC() }

// cleanupContext is for the writes that record how an operation ended:
// ctx's values (the request id) without its cancellation, bounded by
// cleanupTimeout, so that a cancelled build still lands in ERROR.
func (m *Manager) cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
}

// decodeInstance reads the instance argument of method. Anything that is
// not an Instance with a uuid is refused as malformed, before anything is
// written: the caller's bug must not turn into a half-built instance. An
// instance newer than this compute reads is backported by the conductor.
func (m *Manager) decodeInstance(ctx context.Context, method string, p objects.Primitive) (*objects.Instance, error) {
	if p == nil {
		return nil, &rpc.MalformedMessage{Reason: method + ": no instance"}
	}
	o, err := m.conductor.Decode(ctx, p)
	if err != nil {
		var iv *objects.IncompatibleObjectVersion
		if errors.As(err, &iv) {
			return nil, err
		}
		return nil, &rpc.MalformedMessage{Reason: fmt.Sprintf("%s: instance does not decode: %v", method, err)}
	}
	inst, ok := o.(*objects.Instance)
	if !ok {
		return nil, &rpc.MalformedMessage{Reason: fmt.Sprintf("%s: instance argument is a %s", method, o.ObjName())}
	}
	if inst.UUID.Get() == "" {
		return nil, &rpc.MalformedMessage{Reason: method + ": instance has no uuid"}
	}
	// The caller's changes are not ours to save: from here on, a save
	// writes what this compute changed and nothing else.
	inst.ObjResetChanges()
	return inst, nil
}

// getInstanceDiagnostics is nova's get_instance_diagnostics, from what the
// virt driver knows.
func (m *Manager) getInstanceDiagnostics(ctx context.Context, args GetInstanceDiagnosticsArgs) (InstanceDiagnostics, error) {
	if args.InstanceUUID == "" {
		return InstanceDiagnostics{}, &rpc.MalformedMessage{Reason: "get_instance_diagnostics: instance_uuid is empty"}
	}
	state, err := m.driver.PowerState(args.InstanceUUID)
	if errors.Is(err, virt.ErrInstanceNotFound) {
		return InstanceDiagnostics{}, &exception.InstanceNotFound{InstanceID: args.InstanceUUID}
	}
	if err != nil {
		return InstanceDiagnostics{}, err
	}
	res, err := m.driver.GetAvailableResource()
	if err != nil {
		return InstanceDiagnostics{}, err
	}
	return InstanceDiagnostics{State: state.String(), Driver: res.HypervisorType, HypervisorHostname: m.rt.Nodename()}, nil
}

// isDisappeared is nova's "instance disappeared" family: the instance was
// deleted under the operation (record gone, or being deleted). The
// operation stops and leaves the rest to the delete.
func isDisappeared(err error) bool {
	var del *exception.UnexpectedDeletingTaskState
	return isInstanceNotFound(err) || errors.As(err, &del)
}

func isInstanceNotFound(err error) bool {
	var nf *exception.InstanceNotFound
	return errors.As(err, &nf)
}
