// Package opsserver is the small HTTP server every novanats process runs for
// operators and Kubernetes: /metrics (Prometheus), /healthz (the process is
// alive) and /readyz (connected to NATS and serving RPC).
package opsserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// Check reports whether one part of the process is ready; a non-nil error
// says what is not.
type Check func() error

// Server serves the operations endpoints.
type Server struct {
	mu        sync.Mutex
	checks    map[string]Check
	gatherers prometheus.Gatherers
	srv       *http.Server
	ln        net.Listener
}

// New returns a server exposing gatherer's metrics. Add readiness checks
// with AddCheck, then Start.
func New(gatherer prometheus.Gatherer) *Server {
	s := &Server{checks: map[string]Check{}, gatherers: prometheus.Gatherers{gatherer}}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(prometheus.GathererFunc(s.gather), promhttp.HandlerOpts{EnableOpenMetrics: true}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", s.readyz)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return s
}

// AddGatherer adds metrics that another registry holds (a library's own,
// such as controller-runtime's) to /metrics. Their metric names must not
// repeat the first gatherer's: a scrape that finds a name twice fails.
func (s *Server) AddGatherer(g prometheus.Gatherer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gatherers = append(s.gatherers, g)
}

func (s *Server) gather() ([]*dto.MetricFamily, error) {
	s.mu.Lock()
	gs := slices.Clone(s.gatherers)
	s.mu.Unlock()
	return gs.Gather()
}

// AddCheck adds a named readiness check.
func (s *Server) AddCheck(name string, c Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[name] = c
}

// Ready runs every check; the error lists each failing one.
func (s *Server) Ready() error {
	s.mu.Lock()
	names := make([]string, 0, len(s.checks))
	for n := range s.checks {
		names = append(names, n)
	}
	checks := s.checks
	s.mu.Unlock()
	sort.Strings(names)
	var failed []string
	for _, n := range names {
		if err := checks[n](); err != nil {
			failed = append(failed, n+": "+err.Error())
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.Ready(); err != nil {
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}

// Start listens on addr (":9090", "127.0.0.1:0") and serves in the
// background.
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("opsserver: listen on %s: %w", addr, err)
	}
	s.ln = ln
	go func() { _ = s.srv.Serve(ln) }()
	return nil
}

// Addr is the address the server listens on (after Start).
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Stop shuts the server down.
func (s *Server) Stop(ctx context.Context) error { return s.srv.Shutdown(ctx) }
