// Package kubecontroller is the Kubernetes controller that runs inside the
// conductor: it reconciles LiveMigration objects into the conductor's
// live-migration RPCs and mirrors nova's Migration records back into their
// status, and it keeps one ComputeHost object per nova-compute service
// (liveness, usage, instances; spec.disabled disables the service in nova).
//
// Kubernetes is the user-facing API; NATS carries the RPCs and JetStream
// holds the state. The controller follows the state with JetStream watches
// (pkg/store WatchAll) fed into controller-runtime as channel sources, so a
// Migration's progress reaches its LiveMigration as it is saved, without
// polling. docs/kubernetes.md describes the phases and the idempotency
// design.
package kubecontroller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-logr/logr"
	"github.com/nats-io/nats.go"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor"
)

// Caller is the name the controller's RPCs carry (rpc.Caller), and its
// user id in the request context: nova's actions list it as the user.
const Caller = "novanats-kube-controller"

// Defaults of Options.
const (
	DefaultLeaderElectionID = "novanats-controller"
	// DefaultConcurrency is how many LiveMigrations are reconciled at
	// once. A reconcile that starts a migration waits in migrate_server
	// until the source compute has it (seconds), so several run at once;
	// the conductor itself bounds how many such calls it lets wait.
	DefaultConcurrency = 8
)

// Options configure the controller.
type Options struct {
	// Store is the conductor's store (read, and the services' disabled
	// flag written, as `novanats host disable` writes it).
	Store *store.Store
	// NATS carries the RPCs to the conductors and computes.
	NATS *nats.Conn
	// SubjectPrefix is the RPC subject prefix of the cell ("" for none).
	SubjectPrefix string
	// ServiceGroup judges whether a compute is up, as the conductor does.
	ServiceGroup servicegroup.Config

	// LeaderElection runs the reconcilers only in the replica holding the
	// Lease LeaderElectionID in LeaderElectionNamespace (required when
	// LeaderElection is on and not running in a pod).
	LeaderElection          bool
	LeaderElectionNamespace string
	LeaderElectionID        string
	// LeaseDuration, RenewDeadline, RetryPeriod: zero for
	// controller-runtime's defaults (15s, 10s, 2s).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration

	// MetricsAddr serves controller-runtime's metrics ("" or "0": off; the
	// conductor serves its own /metrics).
	MetricsAddr string
	// Concurrency of the LiveMigration reconciler (0: DefaultConcurrency).
	Concurrency int
	Logger      *slog.Logger

	// Hooks are for tests: they let a test stop the controller at the
	// exact point it wants to prove restarts safe at.
	Hooks Hooks
}

// Hooks are called at points of a reconcile that a test needs to act at.
type Hooks struct {
	// BeforeMigrateServer runs once the request id is stored, before
	// migrate_server is sent: a controller that dies there leaves a
	// request id the conductor never saw. Returning true ends the
	// reconcile there, as for AfterMigrateServer.
	BeforeMigrateServer func(ctx context.Context, lm *novav1.LiveMigration) (crash bool)
	// AfterMigrateServer runs after migrate_server returned and before
	// the LiveMigration's status records the Migration: the window in
	// which a controller that dies leaves a started migration its status
	// does not name. Returning true makes the reconcile end there without
	// writing anything, as a controller killed at that point would. ctx
	// is the reconcile's, which ends when the controller stops.
	AfterMigrateServer func(ctx context.Context, lm *novav1.LiveMigration) (crash bool)
}

// Controller is the manager with both reconcilers.
type Controller struct {
	mgr ctrl.Manager
}

// Scheme is the scheme of every object the controller reads or writes.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(novav1.AddToScheme(s))
	return s
}

// New builds the controller against the API server of cfg.
func New(cfg *rest.Config, o Options) (*Controller, error) {
	if o.Store == nil || o.NATS == nil {
		return nil, errors.New("kubecontroller: Store and NATS are required")
	}
	if o.LeaderElectionID == "" {
		o.LeaderElectionID = DefaultLeaderElectionID
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MetricsAddr == "" {
		o.MetricsAddr = "0"
	}
	log := logr.FromSlogHandler(o.Logger.Handler())
	// controller-runtime logs through its global logger in places that
	// have no other (the cache, leader election).
	ctrl.SetLogger(log)
	skip := true
	mo := ctrl.Options{
		Scheme:                        Scheme(),
		Logger:                        log,
		Metrics:                       metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress:        "0",
		LeaderElection:                o.LeaderElection,
		LeaderElectionID:              o.LeaderElectionID,
		LeaderElectionNamespace:       o.LeaderElectionNamespace,
		LeaderElectionResourceLock:    "leases",
		LeaderElectionReleaseOnCancel: true, // a stopping conductor hands over at once, not after LeaseDuration
		// Controller names must be unique per process for the metrics;
		// a restarted controller in the same process (tests, `novanats
		// dev` against a cluster) reuses them.
		Controller: config.Controller{SkipNameValidation: &skip},
	}
	if o.LeaseDuration > 0 {
		mo.LeaseDuration = &o.LeaseDuration
	}
	if o.RenewDeadline > 0 {
		mo.RenewDeadline = &o.RenewDeadline
	}
	if o.RetryPeriod > 0 {
		mo.RetryPeriod = &o.RetryPeriod
	}
	mgr, err := ctrl.NewManager(cfg, mo)
	if err != nil {
		return nil, fmt.Errorf("kubecontroller: %w", err)
	}
	copts := []rpc.ClientOption{rpc.Caller(Caller)}
	if o.SubjectPrefix != "" {
		copts = append(copts, rpc.SubjectPrefix(o.SubjectPrefix))
	}
	tasks, err := conductor.NewTaskAPI(o.NATS, copts...)
	if err != nil {
		return nil, err
	}
	computes, err := compute.NewAPI(o.NATS, copts...)
	if err != nil {
		return nil, err
	}
	if err := setupLiveMigrations(mgr, &liveMigrations{
		Client: mgr.GetClient(), store: o.Store, tasks: tasks, computes: computes,
		sg: o.ServiceGroup, hooks: o.Hooks, log: o.Logger.With("controller", "livemigration"),
		recorder: mgr.GetEventRecorder(EventReporter),
	}, o.Concurrency); err != nil {
		return nil, fmt.Errorf("kubecontroller: livemigration: %w", err)
	}
	if err := setupComputeHosts(mgr, &computeHosts{
		Client: mgr.GetClient(), store: o.Store, sg: o.ServiceGroup, log: o.Logger.With("controller", "computehost"),
		recorder: mgr.GetEventRecorder(HostEventReporter),
	}); err != nil {
		return nil, fmt.Errorf("kubecontroller: computehost: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	return &Controller{mgr: mgr}, nil
}

// Start runs the controller until ctx ends; with leader election it
// reconciles only while it leads.
func (c *Controller) Start(ctx context.Context) error {
	return c.mgr.Start(ctx)
}

// Elected is closed once this replica leads (at once without leader
// election).
func (c *Controller) Elected() <-chan struct{} { return c.mgr.Elected() }

// InClusterOrKubeconfig is the REST config from kubeconfig, or the pod's
// service account when kubeconfig is empty (what `novanats conductor
// --kube-controller` uses in a cluster).
func InClusterOrKubeconfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("kubecontroller: no --kubeconfig and not in a pod: %w", err)
		}
		return cfg, nil
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubecontroller: kubeconfig %s: %w", kubeconfig, err)
	}
	return cfg, nil
}

// Background starts the controller in a goroutine and returns the function
// that stops it: it cancels the controller (which releases its Lease, so
// another conductor takes over at once) and waits for it to end, or for
// ctx. A controller that ends by itself (lost its Lease, API server gone
// for good) is logged; the conductor goes on serving its RPCs.
func (c *Controller) Background(log *slog.Logger) (stop func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := c.Start(ctx)
		if err != nil && ctx.Err() == nil {
			log.Error("kubernetes controller ended", "error", err)
		}
		done <- err
	}()
	return func(sctx context.Context) error {
		cancel()
		select {
		case err := <-done:
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		case <-sctx.Done():
			return fmt.Errorf("kubecontroller: still stopping: %w", sctx.Err())
		}
	}
}
