// Package natsembed runs a nats-server with JetStream inside the current
// process. The dev cloud and the tests share it so that both start NATS the
// same way: loopback only, JetStream on disk, no signal handlers.
package natsembed

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Config says how to start one embedded server.
type Config struct {
	// Name is the server name; it must be unique within a cluster.
	Name string
	// Host to listen on; empty means 127.0.0.1 (never all interfaces by default).
	Host string
	// Port for clients; 0 picks a free one (server.RANDOM_PORT).
	Port int
	// StoreDir holds JetStream data. Required: state must survive a restart.
	StoreDir string
	// MaxPayload overrides the server's max_payload when non-zero.
	MaxPayload int32
	// Cluster, when non-nil, makes the server a member of a route cluster.
	Cluster *ClusterConfig
	// Logging sends the server's own log to stderr (off by default: tests and
	// the dev cloud keep their output readable).
	Logging bool
	// ReadyTimeout bounds the wait for the server to accept connections.
	ReadyTimeout time.Duration
	// Tweak, when set, may adjust the server options before start (auth,
	// permissions, limits) for callers that need more than this struct offers.
	Tweak func(*server.Options)
}

// ClusterConfig joins the server to a NATS cluster over routes.
type ClusterConfig struct {
	Name   string
	Port   int      // route port; 0 is not allowed in a cluster, peers must know it
	Routes []string // nats-route://host:port of the other members
}

// Start starts a server and waits until it accepts clients.
func Start(cfg Config) (*server.Server, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("natsembed: StoreDir is required (JetStream keeps its data there)")
	}
	host := cfg.Host
	if host == "" {
		host = "127.0.0.1"
	}
	port := cfg.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		ServerName: cfg.Name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		NoSigs:     true,
		NoLog:      !cfg.Logging,
		MaxPayload: cfg.MaxPayload,
	}
	if cfg.Cluster != nil {
		opts.Cluster = server.ClusterOpts{Name: cfg.Cluster.Name, Host: host, Port: cfg.Cluster.Port}
		for _, r := range cfg.Cluster.Routes {
			u := server.RoutesFromStr(r)
			if len(u) == 0 {
				return nil, fmt.Errorf("natsembed: bad route %q", r)
			}
			opts.Routes = append(opts.Routes, u...)
		}
	}
	if cfg.Tweak != nil {
		cfg.Tweak(opts)
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsembed: %w", err)
	}
	if cfg.Logging {
		srv.ConfigureLogger()
	}
	srv.Start()
	timeout := cfg.ReadyTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	if !srv.ReadyForConnections(timeout) {
		srv.Shutdown()
		return nil, fmt.Errorf("natsembed: server %q not ready within %s", cfg.Name, timeout)
	}
	return srv, nil
}
