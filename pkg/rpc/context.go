package rpc

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// RequestContext is nova's RequestContext as it travels with every message.
type RequestContext struct {
	RequestID       string    `msgpack:"request_id"`
	GlobalRequestID string    `msgpack:"global_request_id,omitempty"`
	UserID          string    `msgpack:"user_id,omitempty"`
	ProjectID       string    `msgpack:"project_id,omitempty"`
	Roles           []string  `msgpack:"roles,omitempty"`
	IsAdmin         bool      `msgpack:"is_admin"`
	Timestamp       time.Time `msgpack:"timestamp"`
}

// NewRequestID returns a request id in nova's form, "req-<uuid>", with a
// random (version 4) uuid. A request id is made for every message that
// carries no context, so it is built in one allocation, and its 122 random
// bits come from math/rand/v2's per-thread ChaCha8 generator (seeded by
// the OS): request ids need to be unique, not secret, and this is a
// fraction of the cost of reading crypto/rand under a lock.
func NewRequestID() string {
	var u [16]byte
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var b [40]byte
	copy(b[:], "req-")
	hex.Encode(b[4:12], u[0:4])
	b[12] = '-'
	hex.Encode(b[13:17], u[4:6])
	b[17] = '-'
	hex.Encode(b[18:22], u[6:8])
	b[22] = '-'
	hex.Encode(b[23:27], u[8:10])
	b[27] = '-'
	hex.Encode(b[28:40], u[10:16])
	return string(b[:])
}

// NewRequestContext returns an admin context with a fresh request id, as
// nova's get_admin_context does for service-initiated work.
func NewRequestContext() RequestContext {
	return RequestContext{RequestID: NewRequestID(), IsAdmin: true, Timestamp: time.Now().UTC()}
}

// callKey holds the request context and trace parent together, as a
// *callInfo, so one value look-up finds both.
type callKey struct{}

type callInfo struct {
	rc          RequestContext
	hasRC       bool
	traceParent string
}

func callInfoFrom(ctx context.Context) callInfo {
	if ci, _ := ctx.Value(callKey{}).(*callInfo); ci != nil {
		return *ci
	}
	return callInfo{}
}

// WithRequestContext returns ctx carrying rc; calls made with it send rc.
func WithRequestContext(ctx context.Context, rc RequestContext) context.Context {
	ci := callInfoFrom(ctx)
	ci.rc, ci.hasRC = rc, true
	return context.WithValue(ctx, callKey{}, &ci)
}

// RequestContextFrom returns the request context carried by ctx. In a
// handler it is the caller's context.
func RequestContextFrom(ctx context.Context) (RequestContext, bool) {
	ci := callInfoFrom(ctx)
	return ci.rc, ci.hasRC
}

// EnsureRequestContext returns ctx with a request context, adding a new one
// when ctx has none.
func EnsureRequestContext(ctx context.Context) (context.Context, RequestContext) {
	if rc, ok := RequestContextFrom(ctx); ok {
		return ctx, rc
	}
	rc := NewRequestContext()
	return WithRequestContext(ctx, rc), rc
}

// WithTraceParent returns ctx carrying a W3C traceparent to propagate.
func WithTraceParent(ctx context.Context, tp string) context.Context {
	ci := callInfoFrom(ctx)
	ci.traceParent = tp
	return context.WithValue(ctx, callKey{}, &ci)
}

// StartTrace returns ctx in a new W3C trace (a root traceparent, not
// sampled) unless ctx is in one already: every message sent under it, and
// every message their handlers send on, carries the same trace id. Call it
// where a request enters the system (a CLI command, an API request, a
// LiveMigration, a periodic task); without it messages carry no
// traceparent.
func StartTrace(ctx context.Context) context.Context {
	if TraceParentFrom(ctx) != "" {
		return ctx
	}
	return WithTraceParent(ctx, newTraceParent(""))
}

// TraceParentFrom returns the traceparent carried by ctx, if any.
func TraceParentFrom(ctx context.Context) string { return callInfoFrom(ctx).traceParent }

// handlerContext is the context a handler runs with: the caller's request
// context and trace parent, held by the context itself, so building it
// costs one allocation (context.WithValue would cost two), and the
// caller's deadline when it has one (zero: none). end must be called when
// the handler has returned.
func handlerContext(parent context.Context, rc RequestContext, traceParent string, deadline time.Time) *handlerCtx {
	return &handlerCtx{Context: parent, deadline: deadline, ci: callInfo{rc: rc, hasRC: true, traceParent: traceParent}}
}

// handlerCtx is a handler's context. Its deadline is only armed when
// something needs its Done channel (or looks up a value of another
// package's): most handlers never do, and context.WithDeadline on every
// call cost a timer, a registration with the server's context and three
// allocations. Until then, Deadline and Err answer from the deadline
// itself.
type handlerCtx struct {
	context.Context // the server's: cancelled when a Stop runs out of time
	ci              callInfo
	deadline        time.Time

	mu    sync.Mutex
	armed atomic.Pointer[armedCtx]
	ended bool // the handler returned: the context is cancelled
}

type armedCtx struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// arm returns the context.WithDeadline this context stands for, made on
// first use.
func (c *handlerCtx) arm() context.Context {
	if a := c.armed.Load(); a != nil {
		return a.ctx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if a := c.armed.Load(); a != nil {
		return a.ctx
	}
	ctx, cancel := context.WithDeadline(c.Context, c.deadline)
	if c.ended {
		cancel()
	}
	c.armed.Store(&armedCtx{ctx: ctx, cancel: cancel})
	return ctx
}

// end cancels the context, as the deferred cancel of context.WithDeadline
// did: the handler has returned.
func (c *handlerCtx) end() {
	if c.deadline.IsZero() {
		return
	}
	c.mu.Lock()
	c.ended = true
	a := c.armed.Load()
	c.mu.Unlock()
	if a != nil {
		a.cancel()
	}
}

func (c *handlerCtx) Deadline() (time.Time, bool) {
	if c.deadline.IsZero() {
		return c.Context.Deadline()
	}
	return c.deadline, true
}

func (c *handlerCtx) Done() <-chan struct{} {
	if c.deadline.IsZero() {
		return c.Context.Done()
	}
	return c.arm().Done()
}

func (c *handlerCtx) Err() error {
	if c.deadline.IsZero() {
		return c.Context.Err()
	}
	if a := c.armed.Load(); a != nil {
		return a.ctx.Err()
	}
	if err := c.Context.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	ended := c.ended
	c.mu.Unlock()
	switch {
	case ended:
		return context.Canceled
	case !time.Now().Before(c.deadline):
		return context.DeadlineExceeded
	}
	return nil
}

func (c *handlerCtx) Value(key any) any {
	if _, ok := key.(callKey); ok {
		return &c.ci
	}
	if c.deadline.IsZero() {
		return c.Context.Value(key)
	}
	// The context package finds a parent's cancellation through Value
	// (context.Cause, contexts derived from this one): answer as the armed
	// context so they see its deadline and cancellation.
	return c.arm().Value(key)
}

func (c *handlerCtx) String() string { return "rpc.handlerContext" }

// Logger returns logger with the request id (and global request id) of ctx,
// so every line logged during an RPC can be tied to it.
func Logger(ctx context.Context, logger *slog.Logger) *slog.Logger {
	if logger == nil {
		logger = slog.Default()
	}
	rc, ok := RequestContextFrom(ctx)
	if !ok {
		return logger
	}
	l := logger.With("request_id", rc.RequestID)
	if rc.GlobalRequestID != "" {
		l = l.With("global_request_id", rc.GlobalRequestID)
	}
	return l
}
