package compute

import (
	"context"
	"errors"
	"testing"

	"github.com/novanats/novanats/pkg/rpc"
)

func TestInflightDetachKeepsTheRequest(t *testing.T) {
	g := newInflight()
	rc := rpc.NewRequestContext()
	parent, cancel := context.WithCancel(rpc.WithTraceParent(rpc.WithRequestContext(context.Background(), rc), "00-abc-def-01"))
	ctx := g.detach(parent)
	cancel()
	if ctx.Err() != nil {
		t.Fatal("work detached from a handler ended with the handler")
	}
	if got, ok := rpc.RequestContextFrom(ctx); !ok || got.RequestID != rc.RequestID {
		t.Errorf("request context %v %v", got, ok)
	}
	if rpc.TraceParentFrom(ctx) != "00-abc-def-01" {
		t.Error("trace parent lost")
	}
	if err := g.stop(context.Background()); err != nil || ctx.Err() == nil {
		t.Errorf("after stop: %v, work context %v", err, ctx.Err())
	}
}

func TestInflightStopWaitsThenCancels(t *testing.T) {
	g := newInflight()
	release := make(chan struct{})
	ended := make(chan error, 1)
	started := make(chan struct{})
	if !g.start(g.detach(context.Background()), func(ctx context.Context) {
		close(started)
		select {
		case <-release:
			ended <- nil
		case <-ctx.Done():
			ended <- ctx.Err()
		}
	}) {
		t.Fatal("start refused")
	}
	<-started
	// A stop that gives up cancels the work and still waits for it.
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.stop(expired); !errors.Is(err, context.Canceled) {
		t.Fatalf("stop: %v", err)
	}
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("work ended with %v, want cancelled", err)
		}
	default:
		t.Fatal("stop returned before the work did")
	}
	if g.start(context.Background(), func(context.Context) {}) {
		t.Error("work started after stop")
	}
	close(release)
}
