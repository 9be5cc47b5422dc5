package test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/rpc/rpctest"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/conductor"
)

// startConductor creates and starts a conductor on nc and stops it (waiting
// for its in-flight work) when the test ends.
func startConductor(t *testing.T, ctx context.Context, nc *nats.Conn, st *store.Store, cfg conductor.Config) *conductor.Service {
	t.Helper()
	svc, err := conductor.NewService(nc, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := svc.Stop(sctx); err != nil {
			t.Errorf("conductor stop: %v", err)
		}
	})
	return svc
}

// connectCompute connects as the compute's NATS user (no JetStream access).
// The connection's asynchronous errors, permission violations among them,
// arrive on the returned channel so tests can assert on them.
func connectCompute(t *testing.T, srv *rpctest.Server) (*nats.Conn, chan error) {
	t.Helper()
	errs := make(chan error, 16)
	nc := rpctest.Connect(t, srv, nats.UserInfo(computeUser, objPassword),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case errs <- err:
			default:
			}
		}))
	return nc, errs
}
