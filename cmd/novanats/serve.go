package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/config"
	"github.com/novanats/novanats/pkg/devcloud"
	"github.com/novanats/novanats/pkg/opsserver"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/store"
)

// serviceFlags are what every long-running service command takes besides
// nova's options: how to reach NATS, where to serve /metrics, and the
// deployment's layout.
type serviceFlags struct {
	nats          natsFlags
	listenMetrics string
	subjectPrefix string
	replicas      int
	printConfig   bool
	set           *config.Set
}

func (f *serviceFlags) register(cmd *cobra.Command, svc config.Service) {
	fs := cmd.Flags()
	f.nats.register(fs)
	fs.StringVar(&f.listenMetrics, "listen-metrics", envOr("NOVANATS_LISTEN_METRICS", ":9090"), "address for /metrics, /healthz and /readyz")
	fs.StringVar(&f.subjectPrefix, "subject-prefix", envOr("NOVANATS_SUBJECT_PREFIX", ""), "put every RPC subject under this prefix (a cell), e.g. cell1.")
	fs.IntVar(&f.replicas, "js-replicas", 1, "JetStream replicas of the state buckets (3 on a NATS cluster)")
	fs.BoolVar(&f.printConfig, "print-config", false, "print the effective configuration (value and source of each option) and exit")
	f.set = config.ForService(svc)
	f.set.RegisterFlags(fs)
}

// load reads nova's options from flags, environment and config file.
func (f *serviceFlags) load(cmd *cobra.Command) (*config.Values, error) {
	vals, err := f.set.Load(config.Sources{Flags: cmd.Flags(), Env: os.Environ()})
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	if f.printConfig {
		vals.Print(cmd.OutOrStdout())
	}
	return vals, nil
}

// bind loads nova's options (flags, environment, --config-file) into
// opts, which pkg/config's Bind fills. run is false when the command ends
// here: with err, or after --print-config printed the options.
func (f *serviceFlags) bind(cmd *cobra.Command, opts any) (run bool, err error) {
	vals, err := f.load(cmd)
	if err != nil || f.printConfig {
		return false, err
	}
	if err := vals.Bind(opts); err != nil {
		return false, withCode(exitUsage, err)
	}
	return true, nil
}

// running is a started service as the runner sees it.
type running interface {
	Stop(ctx context.Context) error
	Server() *rpc.Server
}

// process is what a service command sets up around its service: the NATS
// connection, the metrics registry and the ops server.
type process struct {
	name    string
	nc      *nats.Conn
	reg     *prometheus.Registry
	metrics *rpc.Metrics
	ops     *opsserver.Server
	log     *slog.Logger
}

func newProcess(name string, f *serviceFlags, extra ...nats.Option) (*process, error) {
	nc, err := f.nats.connect(name, extra...)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	p := &process{name: name, nc: nc, reg: reg, metrics: rpc.NewMetrics(reg), ops: opsserver.New(reg),
		log: slog.Default().With("service", name)}
	p.ops.AddCheck("nats", func() error {
		if !nc.IsConnected() {
			return fmt.Errorf("not connected to %s (status %s)", nc.ConnectedUrlRedacted(), nc.Status())
		}
		return nil
	})
	if err := p.ops.Start(f.listenMetrics); err != nil {
		nc.Close()
		return nil, withCode(exitUsage, err)
	}
	return p, nil
}

// serve marks svc's RPC server as a readiness check, waits for SIGINT or
// SIGTERM, and stops the service gracefully.
func (p *process) serve(ctx context.Context, svc running) error {
	p.ops.AddCheck("rpc", func() error {
		if !svc.Server().Ready() {
			return errors.New("RPC server not serving")
		}
		return nil
	})
	p.log.Info("serving", "nats", p.nc.ConnectedUrlRedacted(), "ops", p.ops.Addr())
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	p.log.Info("stopping: finishing in-flight requests")
	stopCtx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := svc.Stop(stopCtx)
	p.close()
	return err
}

// openState opens the JetStream state the conductor and the schedulers
// share, under the deployment's prefix and replicas.
func (p *process) openState(ctx context.Context, f *serviceFlags) (*store.Store, *placement.Placement, error) {
	st, pl, err := devcloud.OpenState(ctx, p.nc, devcloud.StateConfig{Prefix: bucketPrefix(f.subjectPrefix), Replicas: f.replicas})
	if err != nil {
		return nil, nil, p.fail(exitUnavailable, err)
	}
	return st, pl, nil
}

// start starts svc; a service that does not start leaves nothing open.
func (p *process) start(ctx context.Context, svc interface{ Start(context.Context) error }) error {
	if err := svc.Start(ctx); err != nil {
		p.close()
		return err
	}
	return nil
}

// run starts svc and serves it until SIGINT or SIGTERM.
func (p *process) run(ctx context.Context, svc interface {
	running
	Start(context.Context) error
}) error {
	if err := p.start(ctx, svc); err != nil {
		return err
	}
	return p.serve(ctx, svc)
}

// fail closes the process of a service that could not start and returns
// err with its exit code.
func (p *process) fail(code int, err error) error {
	p.close()
	return withCode(code, err)
}

func (p *process) close() {
	_ = p.ops.Stop(context.Background())
	p.nc.Close()
}
