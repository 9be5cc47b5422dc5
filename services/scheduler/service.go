package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
)

// Binary is the scheduler's service binary name, as in nova's services
// table.
const Binary = "nova-scheduler"

// Service is a running scheduler: the RPC server with the manager's
// handler, and the reporter that keeps its Service record up. Run as many
// as wanted; they share the topic's queue group.
type Service struct {
	store *store.Store
	cfg   Config
	mgr   *Manager
	srv   *rpc.Server
	log   *slog.Logger

	mu       sync.Mutex
	stopRep  context.CancelFunc
	repDone  chan struct{}
	reporter *servicegroup.Reporter
}

// NewService prepares a scheduler on nc reading st and claiming in pl.
// Start runs it.
func NewService(nc *nats.Conn, st *store.Store, pl *placement.Placement, cfg Config) (*Service, error) {
	if cfg.Host == "" {
		return nil, errNoHost
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = rpc.NewMetrics(nil)
	}
	opts := []rpc.ServerOption{rpc.ServerMetrics(cfg.Metrics), rpc.ServerLogger(cfg.Logger)}
	if cfg.WorkerPool > 0 {
		opts = append(opts, rpc.WorkerPool(cfg.WorkerPool))
	}
	if cfg.SubjectPrefix != "" {
		opts = append(opts, rpc.ServerSubjectPrefix(cfg.SubjectPrefix))
	}
	mgr, err := NewManager(st, pl, cfg)
	if err != nil {
		return nil, err
	}
	srv, err := rpc.NewServer(nc, rpc.Target{Topic: Topic, Server: cfg.Host}, opts...)
	if err != nil {
		return nil, err
	}
	mgr.Register(srv)
	return &Service{store: st, cfg: cfg, mgr: mgr, srv: srv, log: cfg.Logger.With("service", "scheduler", "host", cfg.Host)}, nil
}

// Manager is the scheduler's manager.
func (s *Service) Manager() *Manager { return s.mgr }

// Server is the scheduler's RPC server.
func (s *Service) Server() *rpc.Server { return s.srv }

// Reporter is the state reporter, nil before Start.
func (s *Service) Reporter() *servicegroup.Reporter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reporter
}

// Start registers the scheduler's Service record, reports once (so it is
// up the moment Start returns), starts serving and keeps reporting state
// straight to the store, as the conductor does: the scheduler reads the
// store directly anyway.
func (s *Service) Start(ctx context.Context) error {
	rec := new(objects.Service)
	rec.Host.Set(s.cfg.Host)
	rec.Binary.Set(Binary)
	rec.Topic.Set(Topic)
	rec.Disabled.Set(false)
	rec.ReportCount.Set(0)
	rec.Version.Set(1)
	if _, err := s.store.Services.GetOrCreate(ctx, rec); err != nil {
		return fmt.Errorf("scheduler: register service record: %w", err)
	}
	if _, err := s.store.Services.Report(ctx, s.cfg.Host, Binary); err != nil {
		return fmt.Errorf("scheduler: first state report: %w", err)
	}
	if err := s.srv.Start(); err != nil {
		return err
	}
	rep := servicegroup.NewReporter(s.cfg.ServiceGroup, s.cfg.Clock, s.store.Services.Reporter(s.cfg.Host, Binary), s.log)
	repCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		rep.Run(repCtx)
	}()
	s.mu.Lock()
	s.reporter, s.stopRep, s.repDone = rep, cancel, done
	s.mu.Unlock()
	s.log.Info("scheduler started", "filters", s.cfg.EnabledFilters, "weighers", s.cfg.WeightClasses)
	return nil
}

// Stop stops reporting, then stops the RPC server gracefully: requests
// already taken are answered (their claims made or released), unless ctx
// ends first.
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	cancel, done := s.stopRep, s.repDone
	s.stopRep = nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.srv.Stop(ctx)
}
