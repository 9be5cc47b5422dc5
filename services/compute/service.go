package compute

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/conductor"
)

// Service is a running nova-compute: the RPC server with the manager's
// handlers, the state reporter and the periodic tasks. It needs a NATS
// connection and a virt driver and nothing else; every record it reads or
// writes goes through the conductor.
type Service struct {
	cfg Config
	mgr *Manager
	srv *rpc.Server
	log *slog.Logger

	mu       sync.Mutex
	started  bool
	cancel   context.CancelFunc // stops the reporter and the periodic tasks
	loops    sync.WaitGroup
	reporter *servicegroup.Reporter
}

// NewService prepares the compute of cfg.Host on nc, driving driver.
// Start runs it.
func NewService(nc *nats.Conn, driver virt.Driver, cfg Config) (*Service, error) {
	if nc == nil {
		return nil, errors.New("compute: NewService needs a NATS connection")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = rpc.NewMetrics(nil)
	}
	copts := []rpc.ClientOption{rpc.Timeout(cfg.rpcTimeout()), rpc.WithMetrics(cfg.Metrics), rpc.WithLogger(cfg.Logger), rpc.Caller(Binary)}
	sopts := []rpc.ServerOption{rpc.ServerMetrics(cfg.Metrics), rpc.ServerLogger(cfg.Logger)}
	if cfg.ExecutorThreadPoolSize > 0 {
		sopts = append(sopts, rpc.WorkerPool(cfg.ExecutorThreadPoolSize))
	}
	if cfg.SubjectPrefix != "" {
		copts = append(copts, rpc.SubjectPrefix(cfg.SubjectPrefix))
		sopts = append(sopts, rpc.ServerSubjectPrefix(cfg.SubjectPrefix))
	}
	api, err := conductor.NewAPI(nc, copts...)
	if err != nil {
		return nil, err
	}
	mgr, err := NewManager(driver, api, cfg)
	if err != nil {
		return nil, err
	}
	// Live migration's calls between computes: this host's client, with
	// nova's long_rpc_timeout for the calls made with the call monitor.
	capi, err := NewAPI(nc, copts...)
	if err != nil {
		return nil, err
	}
	mgr.SetComputeAPI(capi.WithLongRPCTimeout(cfg.longRPCTimeout(), cfg.rpcTimeout()))
	srv, err := rpc.NewServer(nc, rpc.Target{Topic: Topic, Server: cfg.Host}, sopts...)
	if err != nil {
		return nil, err
	}
	mgr.Register(srv)
	return &Service{cfg: cfg, mgr: mgr, srv: srv, log: mgr.log}, nil
}

// Manager is the compute's manager.
func (s *Service) Manager() *Manager { return s.mgr }

// Server is the compute's RPC server, for registering more endpoints
// before Start.
func (s *Service) Server() *rpc.Server { return s.srv }

// Reporter is the state reporter, nil before Start.
func (s *Service) Reporter() *servicegroup.Reporter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reporter
}

// Start brings the compute up in nova's order: init_host (service record,
// instance recovery, the node and its inventory) before the RPC server,
// so no request meets a half-initialised host; then the state reports
// and the periodic tasks.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("compute: service already started")
	}
	if err := s.mgr.initHost(ctx); err != nil {
		return err
	}
	if err := s.srv.Start(); err != nil {
		return err
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	clock := s.mgr.clock
	rep := servicegroup.NewReporter(s.cfg.ServiceGroup(), clock, s.mgr.conductor.ServiceReporter(s.cfg.Host, Binary), s.log)
	s.loops.Go(func() { rep.Run(loopCtx) })
	for _, task := range s.mgr.periodicTasks() {
		s.loops.Go(func() { runPeriodic(loopCtx, clock, task, s.log) })
	}
	s.started, s.cancel, s.reporter = true, cancel, rep
	s.log.Info("compute started")
	return nil
}

// Stop stops the compute gracefully: reports and periodic tasks end, the
// RPC server stops taking requests and finishes those it took, and the
// builds in flight run to their end. If ctx ends first, what still runs is
// cancelled, records its failure (bounded by a short timeout) and Stop
// returns ctx's error.
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	cancel := s.cancel
	s.cancel = nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		s.loops.Wait()
	}
	srvErr := s.srv.Stop(ctx)
	// Queued live migrations are cancelled; running ones are waited for
	// like builds, within ctx.
	s.mgr.stopLiveMigrations()
	workErr := s.mgr.work.stop(ctx)
	if err := errors.Join(srvErr, workErr); err != nil {
		return err
	}
	s.log.Info("compute stopped")
	return nil
}
