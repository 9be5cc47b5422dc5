// Package kubetest starts, for one test, a real Kubernetes control plane
// (etcd and kube-apiserver, as controller-runtime's envtest starts them,
// with the novanats CRDs installed), a whole novanats cloud (devcloud:
// embedded NATS with JetStream, conductor, scheduler, simulated computes)
// and the Kubernetes controller of the conductor against both. Tests then
// drive it with the real kubectl (Env.Kubectl) or a controller-runtime
// client (Env.Client), and may stop and restart the controller mid-test.
//
// The binaries come from KUBEBUILDER_ASSETS, or from hack/envtest-assets.sh
// when it is unset (it builds kube-apiserver the first time, ~20 minutes on
// 2 cores, and caches it per user); a test using Start never skips.
package kubetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/uuid"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/novanats/novanats/pkg/devcloud"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt/sim"
	"github.com/novanats/novanats/services/conductor"
	"github.com/novanats/novanats/services/conductor/kubecontroller"
)

// Namespace is where tests create LiveMigrations (and where the
// controller keeps its Lease with AdminController).
const Namespace = "default"

// ConductorNamespace is where the conductor's ServiceAccount, its RBAC
// and the controller's Lease are, as k8s/base deploys them.
const ConductorNamespace = "novanats"

// conductorUser is the conductor's ServiceAccount as the API server
// authenticates its token.
var conductorUser = rest.ImpersonationConfig{
	UserName: "system:serviceaccount:" + ConductorNamespace + ":conductor",
	Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + ConductorNamespace, "system:authenticated"},
}

// Options adjust the environment; the zero value is 3 simulated hosts at
// 20 times real speed.
type Options struct {
	// Computes is the number of simulated hosts (compute-1, ...; 0: 3).
	Computes int
	// SimSpeed is the simulated hypervisors' clock speed (0: 20).
	SimSpeed float64
	// Sim sizes each simulated hypervisor (nil: sim.DefaultOptions).
	Sim *sim.Options
	// ComputeConfig adjusts each compute's configuration after the
	// harness's own adjustment, which turns off the live-migration
	// completion timeout so that a non-converging migration (see
	// Env.NonConverging) runs until it is aborted or force-completed.
	ComputeConfig func(*compute.Config)
	// Controller adjusts the controller's options (Hooks, for one) before
	// each start of it.
	Controller func(*kubecontroller.Options)
	// NoController starts no controller (StartController starts one).
	NoController bool
	// AdminController runs the controller as the API server's admin.
	// By default it runs as the conductor's ServiceAccount with the RBAC
	// of k8s/base/conductor (impersonated), so every test also shows
	// that those rules allow what the controller does.
	AdminController bool
	// Logger for the cloud and controller (nil: discarded, unless
	// NOVANATS_TEST_LOG=1 sends them to stderr).
	Logger *slog.Logger
	// MetricsAddr serves the cloud's /metrics there, with the controller's
	// (controller-runtime's) beside them as the conductor serves them
	// ("": no metrics).
	MetricsAddr string
}

// Env is one test's environment.
type Env struct {
	t testing.TB
	// Assets is the KUBEBUILDER_ASSETS directory (kube-apiserver, etcd,
	// kubectl).
	Assets string
	// Kubeconfig is a kubeconfig file for the real kubectl (admin of the
	// test's API server).
	Kubeconfig string
	// Config is the same as a REST config.
	Config *rest.Config
	// Client reads and writes the API server directly (no cache).
	Client client.Client
	// Cloud is the novanats cloud.
	Cloud *devcloud.Cloud

	opts Options

	mu      sync.Mutex
	stopCtl func()
	cancel  context.CancelFunc
}

// Start starts everything for t and stops it when t ends.
func Start(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Computes == 0 {
		o.Computes = 3
	}
	if o.SimSpeed == 0 {
		o.SimSpeed = 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
		if os.Getenv("NOVANATS_TEST_LOG") == "1" {
			o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	}
	e := &Env{t: t, opts: o, Assets: Assets(t)}
	// envtest and the clients log through controller-runtime's global
	// logger, which warns with a stack trace when nobody set it.
	ctrllog.SetLogger(logr.FromSlogHandler(o.Logger.Handler()))

	root := repoRoot(t)
	te := &envtest.Environment{
		BinaryAssetsDirectory: e.Assets,
		CRDDirectoryPaths:     []string{filepath.Join(root, "k8s", "base", "crds")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := te.Start()
	if err != nil {
		t.Fatalf("kubetest: start etcd and kube-apiserver from %s: %v", e.Assets, err)
	}
	t.Cleanup(func() {
		if err := te.Stop(); err != nil {
			t.Errorf("kubetest: stop the control plane: %v", err)
		}
	})
	e.Config = cfg
	e.Kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(e.Kubeconfig, te.KubeConfig, 0o600); err != nil {
		t.Fatal(err)
	}
	if e.Client, err = client.New(cfg, client.Options{Scheme: kubecontroller.Scheme()}); err != nil {
		t.Fatal(err)
	}
	if !o.AdminController {
		// The conductor's ServiceAccount and RBAC, as k8s/base has them.
		dir := filepath.Join(root, "k8s", "base", "conductor")
		e.MustKubectl("create", "namespace", ConductorNamespace)
		e.MustKubectl("apply", "-n", ConductorNamespace, "-f", filepath.Join(dir, "serviceaccount.yaml"), "-f", filepath.Join(dir, "rbac.yaml"))
	}

	metricsAddr := o.MetricsAddr
	if metricsAddr == "" {
		metricsAddr = "-"
	}
	e.Cloud, err = devcloud.Start(context.Background(), devcloud.Config{
		DataDir: t.TempDir(), NATSPort: -1, MetricsAddr: metricsAddr, Computes: o.Computes,
		SimSpeed: o.SimSpeed, Sim: o.Sim, Logger: o.Logger,
		ComputeConfig: func(c *compute.Config) {
			c.LiveMigrationCompletionTimeout = 0
			if o.ComputeConfig != nil {
				o.ComputeConfig(c)
			}
		},
	})
	if err != nil {
		t.Fatalf("kubetest: start the cloud: %v", err)
	}
	e.Cloud.AddMetrics(kubecontroller.Metrics()) // once: every controller of the process shares the registry
	// Registered after the control plane's: cleanups run last first, so
	// the controller stops, then the cloud, then the API server.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := e.Cloud.Stop(ctx); err != nil {
			t.Errorf("kubetest: stop the cloud: %v", err)
		}
	})
	t.Cleanup(e.StopController)
	if !o.NoController {
		e.StartController()
	}
	return e
}

// StartController starts a controller (a new manager, as a new conductor
// process would) and returns once it leads. Stop it with StopController;
// the test's end stops it too.
func (e *Env) StartController() {
	t := e.t
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopCtl != nil {
		t.Fatal("kubetest: the controller is already running")
	}
	nc, err := e.Cloud.Connect("kube-controller")
	if err != nil {
		t.Fatal(err)
	}
	o := kubecontroller.Options{
		Store: e.Cloud.Store, NATS: nc, Logger: e.opts.Logger,
		LeaderElection: true, LeaderElectionNamespace: Namespace,
		// Short so that a controller that died without releasing the
		// Lease is replaced within seconds; a stopped one releases it.
		LeaseDuration: 4 * time.Second, RenewDeadline: 3 * time.Second, RetryPeriod: 500 * time.Millisecond,
	}
	cfg := e.Config
	if !e.opts.AdminController {
		cfg = rest.CopyConfig(e.Config)
		cfg.Impersonate = conductorUser
		o.LeaderElectionNamespace = ConductorNamespace
	}
	if e.opts.Controller != nil {
		e.opts.Controller(&o)
	}
	c, err := kubecontroller.New(cfg, o)
	if err != nil {
		nc.Close()
		t.Fatalf("kubetest: controller: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	e.cancel = cancel
	e.stopCtl = func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("kubetest: controller ended: %v", err)
		}
		nc.Close()
	}
	select {
	case <-c.Elected():
	case err := <-done:
		e.stopCtl = nil
		nc.Close()
		t.Fatalf("kubetest: controller ended before it led: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("kubetest: controller not elected within a minute")
	}
}

// StopController stops the running controller (no-op if none), and
// returns once it has stopped and released its Lease.
func (e *Env) StopController() {
	e.mu.Lock()
	stop := e.stopCtl
	e.stopCtl = nil
	e.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// KillController cancels the running controller's context without
// waiting for it to stop: safe to call from a reconcile (a Hooks
// function), where waiting would wait for itself. The reconciles under way
// end, and the controller processes nothing more, as when its process
// dies (its Lease is released, so a new controller leads at once). Call
// StopController or RestartController after it, outside the reconcile.
func (e *Env) KillController() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancel != nil {
		e.cancel()
	}
}

// RestartController stops the controller and starts a new one.
func (e *Env) RestartController() {
	e.t.Helper()
	e.StopController()
	e.StartController()
}

// Kubectl runs the real kubectl of Assets against the test's API server
// and returns its stdout; the error carries stderr.
func (e *Env) Kubectl(args ...string) (string, error) {
	return e.KubectlStdin(nil, args...)
}

// KubectlStdin is Kubectl with stdin (for `apply -f -`).
func (e *Env) KubectlStdin(stdin []byte, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(e.Assets, "kubectl"), append([]string{"--kubeconfig", e.Kubeconfig}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// MustKubectl is Kubectl that fails the test on an error.
func (e *Env) MustKubectl(args ...string) string {
	e.t.Helper()
	out, err := e.Kubectl(args...)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// Instance is the instance with uuid as nova's records have it now; t is
// the (sub)test asking, which fails if there is none.
func (e *Env) Instance(t testing.TB, uuid string) *objects.Instance {
	t.Helper()
	inst, err := e.Cloud.Store.Instances.Get(context.Background(), uuid)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// Boot boots an instance named name through the conductor and returns it
// once active (followed with a watch).
func (e *Env) Boot(name string) *objects.Instance {
	t := e.t
	t.Helper()
	nc, err := e.Cloud.Connect("kubetest-boot")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	tasks, err := conductor.NewTaskAPI(nc)
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	updates, err := e.Cloud.Store.Instances.Watch(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := tasks.ScheduleAndBuildInstances(rpc.WithRequestContext(ctx, rpc.NewRequestContext()),
		[]conductor.BuildRequest{{InstanceUUID: id, DisplayName: name, Flavor: Flavor()}}); err != nil {
		t.Fatalf("kubetest: boot %s: %v", name, err)
	}
	for u := range updates {
		if u.Err != nil || u.Deleted || u.Value == nil {
			continue
		}
		switch vm, _ := u.Value.VMState.Lookup(); vm {
		case objects.VMStateActive:
			return u.Value
		case objects.VMStateError:
			t.Fatalf("kubetest: instance %s (%s) went to error: %+v", name, id, u.Value.Fault.Get())
		}
	}
	t.Fatalf("kubetest: instance %s not active within a minute", name)
	return nil
}

// Flavor is the flavor Boot uses: 1 vCPU, 512 MiB, 1 GB.
func Flavor() *objects.Flavor {
	return objects.NewFlavor("m1.small", 1, 512, 1)
}

// NonConverging makes inst's guest dirty memory far faster than a
// migration link copies it: its live migration runs (phase Running) until
// it is aborted or force-completed, since the harness turns the completion
// timeout off.
func (e *Env) NonConverging(inst *objects.Instance) {
	e.t.Helper()
	drv, ok := e.Cloud.Drivers[inst.Host.Get()]
	if !ok {
		e.t.Fatalf("kubetest: no simulated host %q", inst.Host.Get())
	}
	if err := drv.SetDirtyRate(inst.UUID.Get(), 1<<20); err != nil {
		e.t.Fatal(err)
	}
}

// OtherHost is a host of the cloud other than host.
func (e *Env) OtherHost(host string) string {
	for _, h := range e.Cloud.Hosts {
		if h != host {
			return h
		}
	}
	e.t.Fatalf("kubetest: no host other than %s", host)
	return ""
}

var (
	assetsOnce sync.Once
	assetsDir  string
	assetsErr  error
)

// Assets is the envtest binaries' directory: KUBEBUILDER_ASSETS, or what
// hack/envtest-assets.sh prints (building what is missing). Once per test
// binary.
func Assets(t testing.TB) string {
	t.Helper()
	assetsOnce.Do(func() {
		if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
			assetsDir = dir
			return
		}
		root, err := findRoot()
		if err != nil {
			assetsErr = err
			return
		}
		cmd := exec.Command(filepath.Join(root, "hack", "envtest-assets.sh"))
		cmd.Stderr = os.Stderr // the first build takes long: show its progress
		out, err := cmd.Output()
		if err != nil {
			assetsErr = fmt.Errorf("hack/envtest-assets.sh: %w", err)
			return
		}
		assetsDir = strings.TrimSpace(string(out))
	})
	if assetsErr != nil {
		t.Fatalf("kubetest: envtest binaries: %v", assetsErr)
	}
	return assetsDir
}

func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// findRoot is the repository's root: the nearest directory up from the
// test's working directory (its package) with go.mod.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("kubetest: no go.mod above the working directory")
		}
		dir = parent
	}
}
