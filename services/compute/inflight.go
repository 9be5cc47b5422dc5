package compute

import (
	"context"
	"sync"

	"github.com/novanats/novanats/pkg/rpc"
)

// inflight runs the compute's long operations (builds now, live migrations
// next) away from the RPC worker that received them, as nova's
// utils.spawn_n does: a cast handler returns at once, so a burst of builds
// waiting on max_concurrent_builds cannot hold every RPC worker and starve
// calls. Stop waits for what is running, so a graceful stop never leaves an
// instance half-built.
type inflight struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	base    context.Context
	cancel  context.CancelFunc
	stopped bool
}

func newInflight() *inflight {
	ctx, cancel := context.WithCancel(context.Background())
	return &inflight{base: ctx, cancel: cancel}
}

// detach returns a context for work that outlives the RPC handler of
// from: it carries from's request context and trace parent (so events,
// logs and conductor calls keep the request id) but not its deadline or
// cancellation; it ends only when a stop gives up waiting.
func (g *inflight) detach(from context.Context) context.Context {
	ctx := g.base
	if rc, ok := rpc.RequestContextFrom(from); ok {
		ctx = rpc.WithRequestContext(ctx, rc)
	}
	if tp := rpc.TraceParentFrom(from); tp != "" {
		ctx = rpc.WithTraceParent(ctx, tp)
	}
	return ctx
}

// start runs fn(ctx) in a goroutine; false if the compute is stopping, in
// which case fn does not run.
func (g *inflight) start(ctx context.Context, fn func(context.Context)) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return false
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		fn(ctx)
	}()
	return true
}

// stop refuses new work and waits for the running work to end. If ctx
// ends first, the work's contexts are cancelled (a build then fails where
// it stands and records it) and stop returns ctx's error once the work has
// returned.
func (g *inflight) stop(ctx context.Context) error {
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		g.cancel()
		return nil
	case <-ctx.Done():
		g.cancel()
		<-done
		return ctx.Err()
	}
}
