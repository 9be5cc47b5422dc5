package conductor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/config"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/scheduler"
)

// Binary is the conductor's service binary name, as in nova's services table.
const Binary = "nova-conductor"

// Config configures a conductor.
type Config struct {
	// Host names this conductor: its server subject and its Service record.
	Host string
	// ServiceGroup is report_interval and service_down_time.
	ServiceGroup servicegroup.Config
	// Clock drives state reports; nil is the wall clock. The store has its
	// own clock for the timestamps it writes.
	Clock servicegroup.Clock
	// Logger; nil is slog.Default().
	Logger *slog.Logger
	// Metrics records the RPC server's metrics; nil makes a set registered
	// nowhere, so the counters are still kept.
	Metrics *rpc.Metrics
	// WorkerPool is executor_thread_pool_size; 0 is rpc.DefaultWorkerPool.
	WorkerPool int
	// SubjectPrefix puts the conductor's subjects under a cell prefix.
	SubjectPrefix string

	// Placement is where the compute_task API releases the claims of
	// builds that do not go ahead. nil binds placement on the store's
	// DB, which then needs placement.Bucket() among its buckets; without
	// it the conductor still serves the base API, and refuses
	// compute_task requests saying so.
	Placement *placement.Placement
	// Compute is the client the compute_task API casts builds with:
	// services/compute.NewAPI(nc). It cannot be built here, since
	// services/compute imports this package. nil: compute_task requests
	// are refused.
	Compute ComputeAPI
	// MigrateMaxRetries is nova's migrate_max_retries: how many other
	// destinations a live migration the scheduler places may try after
	// the first fails its checks; -1 (config.UnlimitedRetries) until no
	// host is left, 0 none. nil is nova's default, -1.
	MigrateMaxRetries *int
}

// Service is a running conductor: the RPC server with the manager's
// handlers (base API) and the task manager's (compute_task API), and the
// reporter that keeps its Service record up.
type Service struct {
	nc    *nats.Conn
	store *store.Store
	cfg   Config
	mgr   *Manager
	tasks *TaskManager
	lm    *LiveMigrations
	srv   *rpc.Server
	log   *slog.Logger

	mu       sync.Mutex
	stopRep  context.CancelFunc
	repDone  chan struct{}
	reporter *servicegroup.Reporter
}

// NewService prepares a conductor on nc working on st. Start runs it.
func NewService(nc *nats.Conn, st *store.Store, cfg Config) (*Service, error) {
	if cfg.Host == "" {
		return nil, errors.New("conductor: Config.Host is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
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
	srv, err := rpc.NewServer(nc, rpc.Target{Topic: Topic, Server: cfg.Host}, opts...)
	if err != nil {
		return nil, err
	}
	mgr := NewManager(st, cfg)
	mgr.Register(srv)
	tasks, err := newTaskManager(nc, st, cfg)
	if err != nil {
		return nil, err
	}
	tasks.Register(srv)
	retries := config.UnlimitedRetries
	if cfg.MigrateMaxRetries != nil {
		retries = *cfg.MigrateMaxRetries
	}
	lm := NewLiveMigrations(tasks, LiveMigrationConfig{ServiceGroup: cfg.ServiceGroup, MaxRetries: retries, WorkerPool: cfg.WorkerPool})
	lm.Register(srv)
	return &Service{nc: nc, store: st, cfg: cfg, mgr: mgr, tasks: tasks, lm: lm, srv: srv, log: cfg.Logger.With("service", "conductor", "host", cfg.Host)}, nil
}

// newTaskManager builds the compute_task manager with the clients it
// needs: placement (cfg's, or bound on the store's DB), a scheduler client
// on nc, and cfg's compute client.
func newTaskManager(nc *nats.Conn, st *store.Store, cfg Config) (*TaskManager, error) {
	pl := cfg.Placement
	if pl == nil {
		p, err := placement.New(st.DB(), placement.Config{Logger: cfg.Logger})
		if err != nil {
			cfg.Logger.Warn("conductor: placement is not in the store's DB; the compute_task API will refuse requests", "error", err)
		} else {
			pl = p
		}
	}
	copts := []rpc.ClientOption{rpc.WithMetrics(cfg.Metrics), rpc.WithLogger(cfg.Logger), rpc.Caller(Binary)}
	if cfg.SubjectPrefix != "" {
		copts = append(copts, rpc.SubjectPrefix(cfg.SubjectPrefix))
	}
	sched, err := scheduler.NewAPI(nc, copts...)
	if err != nil {
		return nil, err
	}
	if cfg.Compute == nil {
		cfg.Logger.Warn("conductor: no compute client (Config.Compute); the compute_task API will refuse requests")
	}
	return NewTaskManager(st, pl, sched, cfg.Compute, cfg), nil
}

// Manager is the conductor's manager.
func (s *Service) Manager() *Manager { return s.mgr }

// Tasks is the conductor's compute_task manager.
func (s *Service) Tasks() *TaskManager { return s.tasks }

// LiveMigrations is the conductor's live-migration tasks.
func (s *Service) LiveMigrations() *LiveMigrations { return s.lm }

// Server is the conductor's RPC server, for registering more endpoints
// before Start.
func (s *Service) Server() *rpc.Server { return s.srv }

// Reporter is the state reporter, nil before Start.
func (s *Service) Reporter() *servicegroup.Reporter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reporter
}

// Start registers the conductor's Service record, starts serving and
// starts reporting state straight to the store (the conductor has no
// conductor to go through).
func (s *Service) Start(ctx context.Context) error {
	rec := new(objects.Service)
	rec.Host.Set(s.cfg.Host)
	rec.Binary.Set(Binary)
	rec.Topic.Set(Topic)
	rec.Disabled.Set(false)
	rec.ReportCount.Set(0)
	rec.Version.Set(1)
	if _, err := s.store.Services.GetOrCreate(ctx, rec); err != nil {
		return fmt.Errorf("conductor: register service record: %w", err)
	}
	// Report once before serving, so that the conductor is up the moment
	// Start returns (the reporter loop reports again at once; a second
	// report costs nothing).
	if _, err := s.store.Services.Report(ctx, s.cfg.Host, Binary); err != nil {
		return fmt.Errorf("conductor: first state report: %w", err)
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
	s.log.Info("conductor started")
	return nil
}

// Stop stops reporting, then stops the RPC server gracefully: requests
// already taken are answered, unless ctx ends first. Live-migration tasks
// run beside the server's workers and are waited for after it.
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
	return errors.Join(s.srv.Stop(ctx), s.lm.Stop(ctx))
}
