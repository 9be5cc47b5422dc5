// Package devcloud runs a whole novanats cloud in one process: an embedded
// NATS with JetStream, a conductor, schedulers and simulated compute hosts.
// It is what `novanats dev` and `novanats demo` run, and what tests that
// need "a cloud" start.
package devcloud

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/novanats/novanats/pkg/natsembed"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/opsserver"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt/sim"
	"github.com/novanats/novanats/services/conductor"
	"github.com/novanats/novanats/services/scheduler"
)

// Config describes the cloud.
type Config struct {
	// DataDir holds JetStream's data: the cloud's state survives a restart
	// on the same directory. Required.
	DataDir string
	// NATSHost and NATSPort: where the embedded NATS listens (default
	// 127.0.0.1, port 4222; -1 picks a free port).
	NATSHost string
	NATSPort int
	// MetricsAddr serves /metrics, /healthz and /readyz for every service
	// of the cloud ("" for 127.0.0.1:9090; "-" for none).
	MetricsAddr string
	// Computes is how many simulated compute hosts run (default 3), named
	// compute-1, compute-2, ...
	Computes int
	// Schedulers is how many schedulers run (default 1).
	Schedulers int
	// Sim sizes every simulated hypervisor; zero means sim.DefaultOptions.
	Sim *sim.Options
	// SimSpeed runs the simulated hypervisors' clock this many times
	// faster than real time (default 1).
	SimSpeed float64
	// MigrationStatsInterval is how often, in simulated hypervisor time,
	// each compute saves a running live migration's counters and the
	// instance's progress (compute.Config.LiveMigrationStatsInterval).
	// 0 is DefaultMigrationStatsInterval; ComputeConfig can still
	// override it.
	MigrationStatsInterval time.Duration
	// ComputeConfig adjusts each compute's configuration (nova's options).
	ComputeConfig func(*compute.Config)
	// Logger for every service; nil discards.
	Logger *slog.Logger
}

// DefaultMigrationStatsInterval is the dev cloud's stats interval: every
// monitor tick of the simulated hypervisor (sim's 0.5 s, nova's monitor
// interval) instead of nova's every tenth tick (5 s). A dev cloud's
// migration of a few GiB takes seconds of simulated time, so at nova's
// spacing a client following it over NATS (`novanats live-migrate --wait`
// against `novanats dev`) would see one update per migration; the cost of
// a save per tick is nothing on one machine.
const DefaultMigrationStatsInterval = 500 * time.Millisecond

// Cloud is a running dev cloud.
type Cloud struct {
	cfg        Config
	ns         *server.Server
	conns      []*nats.Conn
	Registry   *prometheus.Registry
	ops        *opsserver.Server
	Store      *store.Store
	Placement  *placement.Placement
	Conductor  *conductor.Service
	Schedulers []*scheduler.Service
	Computes   map[string]*compute.Service
	Drivers    map[string]*sim.Driver
	Hosts      []string
	stops      []func(context.Context) error
}

// Start starts the cloud and returns once every service serves.
func Start(ctx context.Context, cfg Config) (c *Cloud, err error) {
	if cfg.DataDir == "" {
		return nil, errors.New("devcloud: DataDir is required (the cloud's state lives there)")
	}
	if cfg.NATSHost == "" {
		cfg.NATSHost = "127.0.0.1"
	}
	if cfg.NATSPort == 0 {
		cfg.NATSPort = 4222
	}
	if cfg.Computes == 0 {
		cfg.Computes = 3
	}
	if cfg.Schedulers == 0 {
		cfg.Schedulers = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c = &Cloud{cfg: cfg, Computes: map[string]*compute.Service{}, Drivers: map[string]*sim.Driver{}}
	defer func() {
		if err != nil {
			_ = c.Stop(context.Background())
		}
	}()
	ns, err := natsembed.Start(natsembed.Config{Name: "novanats-dev", Host: cfg.NATSHost, Port: cfg.NATSPort,
		StoreDir: filepath.Join(cfg.DataDir, "jetstream")})
	if err != nil {
		return c, fmt.Errorf("devcloud: start NATS on %s:%d: %w", cfg.NATSHost, cfg.NATSPort, err)
	}
	c.ns = ns
	c.stops = append(c.stops, func(context.Context) error { ns.Shutdown(); ns.WaitForShutdown(); return nil })

	c.Registry = prometheus.NewRegistry()
	c.Registry.MustRegister(collectors.NewGoCollector())
	metrics := rpc.NewMetrics(c.Registry)
	if cfg.MetricsAddr != "-" {
		addr := cfg.MetricsAddr
		if addr == "" {
			addr = "127.0.0.1:9090"
		}
		c.ops = opsserver.New(c.Registry)
		if err := c.ops.Start(addr); err != nil {
			return c, err
		}
		c.stops = append(c.stops, c.ops.Stop)
	}

	// conductor and schedulers: one connection with JetStream access.
	controlNC, err := c.connect("novanats-dev-control")
	if err != nil {
		return c, err
	}
	if c.Store, c.Placement, err = OpenState(ctx, controlNC, StateConfig{}); err != nil {
		return c, err
	}
	computeAPI, err := compute.NewAPI(controlNC, rpc.WithMetrics(metrics), rpc.Caller(conductor.Binary))
	if err != nil {
		return c, err
	}
	c.Conductor, err = conductor.NewService(controlNC, c.Store, conductor.Config{Host: "conductor-1", Logger: cfg.Logger,
		Metrics: metrics, Placement: c.Placement, Compute: computeAPI})
	if err != nil {
		return c, err
	}
	c.Registry.MustRegister(c.Conductor.ServiceCollector()) // novanats_service_up/disabled (docs/metrics.md)
	if err := c.startService(ctx, c.Conductor.Start, c.Conductor.Stop); err != nil {
		return c, fmt.Errorf("devcloud: conductor: %w", err)
	}
	for i := 1; i <= cfg.Schedulers; i++ {
		svc, err := scheduler.NewService(controlNC, c.Store, c.Placement, scheduler.Config{Host: fmt.Sprintf("scheduler-%d", i),
			Logger: cfg.Logger, Metrics: metrics})
		if err != nil {
			return c, err
		}
		if err := c.startService(ctx, svc.Start, svc.Stop); err != nil {
			return c, fmt.Errorf("devcloud: scheduler-%d: %w", i, err)
		}
		c.Schedulers = append(c.Schedulers, svc)
	}

	// computes: their own connection, as separate processes would have.
	computeNC, err := c.connect("novanats-dev-compute")
	if err != nil {
		return c, err
	}
	fabric := sim.NewFabric()
	var clock sim.Clock
	if cfg.SimSpeed > 0 && cfg.SimSpeed != 1 {
		if clock, err = sim.NewAcceleratedClock(cfg.SimSpeed); err != nil {
			return c, err
		}
	}
	for i := 1; i <= cfg.Computes; i++ {
		host := fmt.Sprintf("compute-%d", i)
		if err := c.startCompute(ctx, computeNC, host, fabric, clock, metrics); err != nil {
			return c, fmt.Errorf("devcloud: %s: %w", host, err)
		}
	}
	return c, nil
}

func (c *Cloud) connect(name string) (*nats.Conn, error) {
	nc, err := nats.Connect(c.ns.ClientURL(), nats.Name(name), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("devcloud: connect to the embedded NATS: %w", err)
	}
	c.conns = append(c.conns, nc)
	return nc, nil
}

func (c *Cloud) startService(ctx context.Context, start, stop func(context.Context) error) error {
	if err := start(ctx); err != nil {
		return err
	}
	c.stops = append(c.stops, stop)
	return nil
}

func (c *Cloud) startCompute(ctx context.Context, nc *nats.Conn, host string, fabric *sim.Fabric, clock sim.Clock, metrics *rpc.Metrics) error {
	opts := sim.DefaultOptions()
	if c.cfg.Sim != nil {
		opts = *c.cfg.Sim
	}
	opts.Fabric = fabric
	if clock != nil {
		opts.Clock = clock
	}
	drv, err := sim.New(opts)
	if err != nil {
		return err
	}
	// The simulated hypervisor lives in this process: after a restart it
	// would have forgotten its guests, where a real one keeps running them
	// while the control plane restarts. Bring back the guests of the
	// instances this host runs, so the cloud restarts as nova's would.
	if err := drv.Init(host); err != nil {
		return err
	}
	if err := c.respawn(ctx, drv, host); err != nil {
		return err
	}
	cfg := compute.DefaultConfig(host)
	cfg.Logger, cfg.Metrics, cfg.Registerer = c.cfg.Logger, metrics, c.Registry
	cfg.LiveMigrationStatsInterval = c.cfg.MigrationStatsInterval
	if cfg.LiveMigrationStatsInterval == 0 {
		cfg.LiveMigrationStatsInterval = DefaultMigrationStatsInterval
	}
	if c.cfg.ComputeConfig != nil {
		c.cfg.ComputeConfig(&cfg)
	}
	svc, err := compute.NewService(nc, drv, cfg)
	if err != nil {
		return err
	}
	if err := c.startService(ctx, svc.Start, svc.Stop); err != nil {
		return err
	}
	c.Computes[host], c.Drivers[host] = svc, drv
	c.Hosts = append(c.Hosts, host)
	return nil
}

func (c *Cloud) respawn(ctx context.Context, drv *sim.Driver, host string) error {
	insts, err := c.Store.Instances.ListByHost(ctx, host)
	if err != nil {
		return err
	}
	for _, e := range insts {
		inst := e
		if vm, _ := inst.VMState.Lookup(); vm != objects.VMStateActive && vm != objects.VMStatePaused {
			continue
		}
		spec, err := compute.GuestSpecOf(inst)
		if err != nil {
			continue
		}
		if err := drv.Spawn(ctx, spec); err != nil {
			return fmt.Errorf("bring back guest %s: %w", spec.UUID, err)
		}
	}
	return nil
}

// NATSURL is the embedded NATS's client URL.
func (c *Cloud) NATSURL() string { return c.ns.ClientURL() }

// MetricsAddr is where /metrics is served ("" when not).
func (c *Cloud) MetricsAddr() string {
	if c.ops == nil {
		return ""
	}
	return c.ops.Addr()
}

// AddMetrics serves g's metrics on the cloud's /metrics too (for a
// controller run beside the cloud); nothing when metrics are off.
func (c *Cloud) AddMetrics(g prometheus.Gatherer) {
	if c.ops != nil {
		c.ops.AddGatherer(g)
	}
}

// Connect opens a client connection to the cloud's NATS, closed by Stop.
func (c *Cloud) Connect(name string) (*nats.Conn, error) { return c.connect(name) }

// Stop stops the services (computes first, NATS last), letting in-flight
// requests finish within ctx, so the state on disk is consistent.
func (c *Cloud) Stop(ctx context.Context) error {
	var errs []error
	stops := c.stops
	c.stops = nil
	// Services were started NATS first; stop in reverse, but close client
	// connections before the server goes.
	for i := len(stops) - 1; i >= 1; i-- {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		errs = append(errs, stops[i](sctx))
		cancel()
	}
	for _, nc := range c.conns {
		nc.Close()
	}
	if len(stops) > 0 {
		errs = append(errs, stops[0](ctx))
	}
	return errors.Join(errs...)
}
