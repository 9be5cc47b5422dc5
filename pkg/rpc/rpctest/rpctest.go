// Package rpctest starts embedded nats-servers for tests: one node with
// JetStream in a temporary directory, or a three-node cluster on loopback.
// Everything started here is stopped by t.Cleanup.
package rpctest

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/natsembed"
)

// Option adjusts the embedded server of StartServer.
type Option func(*natsembed.Config)

// WithMaxPayload sets the server's max_payload in bytes.
func WithMaxPayload(n int32) Option { return func(c *natsembed.Config) { c.MaxPayload = n } }

// WithStoreDir reuses a JetStream directory (to restart a server on the same state).
func WithStoreDir(dir string) Option { return func(c *natsembed.Config) { c.StoreDir = dir } }

// WithServerOptions gives direct access to the nats-server options.
func WithServerOptions(f func(*server.Options)) Option {
	return func(c *natsembed.Config) { c.Tweak = f }
}

// Server is a running embedded nats-server.
type Server struct {
	*server.Server
	StoreDir string
}

// URL is the client URL of the server.
func (s *Server) URL() string { return s.ClientURL() }

// StartServer starts a single node with JetStream in t.TempDir() on a random
// loopback port and stops it when the test ends.
func StartServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := natsembed.Config{Name: "rpctest", StoreDir: t.TempDir()}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := natsembed.Start(cfg)
	if err != nil {
		t.Fatalf("rpctest: %v", err)
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return &Server{Server: srv, StoreDir: cfg.StoreDir}
}

// Connect opens a TCP client connection to s, closed when the test ends.
func Connect(t testing.TB, s *Server, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(s.URL(), opts...)
	if err != nil {
		t.Fatalf("rpctest: connect %s: %v", s.URL(), err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// ConnectInProcess opens an in-process client connection (no TCP), closed
// when the test ends.
func ConnectInProcess(t testing.TB, s *Server, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect("", append(opts, nats.InProcessServer(s.Server))...)
	if err != nil {
		t.Fatalf("rpctest: in-process connect: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// StartCluster starts a three-node JetStream cluster on loopback and waits
// until it has a JetStream meta leader.
func StartCluster(t testing.TB) []*Server {
	t.Helper()
	const n = 3
	ports := make([]int, n)
	for i := range ports {
		ports[i] = freePort(t)
	}
	routes := make([]string, n)
	for i, p := range ports {
		routes[i] = fmt.Sprintf("nats-route://127.0.0.1:%d", p)
	}
	servers := make([]*Server, n)
	for i := 0; i < n; i++ {
		cfg := natsembed.Config{
			Name:     fmt.Sprintf("rpctest-%d", i),
			StoreDir: t.TempDir(),
			Cluster:  &natsembed.ClusterConfig{Name: "rpctest", Port: ports[i], Routes: routes},
		}
		srv, err := natsembed.Start(cfg)
		if err != nil {
			t.Fatalf("rpctest: cluster node %d: %v", i, err)
		}
		t.Cleanup(func() {
			srv.Shutdown()
			srv.WaitForShutdown()
		})
		servers[i] = &Server{Server: srv, StoreDir: cfg.StoreDir}
	}
	// Ready once the JetStream leader counts every node as a peer that is
	// online with JetStream and has sent its stats: what placing a
	// replicated (R3) stream checks. A leader alone is not enough: right
	// after the election a peer may not have reported yet, and an R3
	// stream is refused with "no suitable peers for placement".
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range servers {
			if s.JetStreamIsLeader() && len(s.JetStreamClusterPeers()) == n {
				return servers
			}
		}
		time.Sleep(20 * time.Millisecond) // polling the server's own state: no event to await
	}
	t.Fatalf("rpctest: the cluster's JetStream leader did not see all %d peers online within 30s", n)
	return nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("rpctest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
