package rpc

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

// Test methods of topic "svc", declared once like a service's method table.
type echoArgs struct {
	Text string `msgpack:"text"`
	N    int    `msgpack:"n"`
}

type echoReply struct {
	Text   string `msgpack:"text"`
	Server string `msgpack:"server"`
}

var (
	mEcho    = DefineCall[echoArgs, echoReply]("svc", "", "echo", "1.0")
	mEcho11  = DefineCall[echoArgs, echoReply]("svc", "", "echo_v11", "1.1")
	mNotify  = DefineCast[echoArgs]("svc", "", "notify", "1.0", false)
	mRefresh = DefineCast[echoArgs]("svc", "", "refresh", "1.0", true)
	mFail    = DefineCall[echoArgs, NoReply]("svc", "", "fail", "1.0")
	mPanic   = DefineCall[echoArgs, NoReply]("svc", "", "explode", "1.0")
	mBlock   = DefineCall[echoArgs, echoReply]("svc", "", "block", "1.0")
	mTask    = DefineCall[echoArgs, echoReply]("svc", "compute_task", "task", "1.0")
)

// testService is one server of topic "svc" with handlers that record what
// they received.
type testService struct {
	name  string
	srv   *Server
	mu    sync.Mutex
	calls int
	casts chan echoArgs
	gate  chan struct{} // "block" waits on it
	seen  chan context.Context
}

func startService(t *testing.T, nc *nats.Conn, name string, opts ...ServerOption) *testService {
	t.Helper()
	srv, err := NewServer(nc, Target{Topic: "svc", Server: name}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testService{name: name, srv: srv, casts: make(chan echoArgs, 100), gate: make(chan struct{}), seen: make(chan context.Context, 1000)}
	ep := srv.Endpoint("", "1.1")
	HandleCall(ep, mEcho, func(ctx context.Context, a echoArgs) (echoReply, error) {
		ts.mu.Lock()
		ts.calls++
		ts.mu.Unlock()
		select {
		case ts.seen <- ctx:
		default:
		}
		return echoReply{Text: a.Text, Server: name}, nil
	})
	HandleCall(ep, mEcho11, func(ctx context.Context, a echoArgs) (echoReply, error) {
		return echoReply{Text: a.Text + "/1.1", Server: name}, nil
	})
	HandleCast(ep, mNotify, func(ctx context.Context, a echoArgs) error { ts.casts <- a; return nil })
	HandleCast(ep, mRefresh, func(ctx context.Context, a echoArgs) error { ts.casts <- a; return nil })
	HandleCall(ep, mFail, func(ctx context.Context, a echoArgs) (NoReply, error) {
		return NoReply{}, failure(a)
	})
	HandleCall(ep, mPanic, func(ctx context.Context, a echoArgs) (NoReply, error) {
		var items []int
		return NoReply{}, fmt.Errorf("unreachable %d", items[a.N+1]) // index out of range: a real panic
	})
	HandleCall(ep, mBlock, func(ctx context.Context, a echoArgs) (echoReply, error) {
		select {
		case ts.seen <- ctx:
		default:
		}
		ts.mu.Lock()
		gate := ts.gate // a test may replace it between rounds
		ts.mu.Unlock()
		select {
		case <-gate:
		case <-ctx.Done():
			return echoReply{}, ctx.Err()
		}
		return echoReply{Text: a.Text, Server: name}, nil
	})
	HandleCall(srv.Endpoint("compute_task", "1.0"), mTask, func(ctx context.Context, a echoArgs) (echoReply, error) {
		return echoReply{Text: "task:" + a.Text, Server: name}, nil
	})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Stop(ctx)
	})
	return ts
}

func (ts *testService) callCount() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.calls
}

func newTestClient(t *testing.T, nc *nats.Conn, opts ...ClientOption) *Client {
	t.Helper()
	c, err := NewClient(nc, Target{Topic: "svc", Version: "1.0"}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// env is an embedded NATS with a client connection.
func env(t *testing.T, opts ...rpctest.Option) (*rpctest.Server, *nats.Conn) {
	t.Helper()
	s := rpctest.StartServer(t, opts...)
	return s, rpctest.Connect(t, s)
}

func newRegistry() *prometheus.Registry { return prometheus.NewRegistry() }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
