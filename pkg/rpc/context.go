package rpc

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
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

func init() {
	// Request ids are made per message; the pool reads randomness in
	// batches instead of one getrandom per uuid.
	uuid.EnableRandPool()
}

// NewRequestID returns a request id in nova's form, "req-<uuid>".
func NewRequestID() string { return "req-" + uuid.NewString() }

// NewRequestContext returns an admin context with a fresh request id, as
// nova's get_admin_context does for service-initiated work.
func NewRequestContext() RequestContext {
	return RequestContext{RequestID: NewRequestID(), IsAdmin: true, Timestamp: time.Now().UTC()}
}

// callKey holds the request context and trace parent together, so a
// handler's context costs one allocation, not two.
type callKey struct{}

type callInfo struct {
	rc          RequestContext
	hasRC       bool
	traceParent string
}

func callInfoFrom(ctx context.Context) callInfo {
	ci, _ := ctx.Value(callKey{}).(callInfo)
	return ci
}

// WithRequestContext returns ctx carrying rc; calls made with it send rc.
func WithRequestContext(ctx context.Context, rc RequestContext) context.Context {
	ci := callInfoFrom(ctx)
	ci.rc, ci.hasRC = rc, true
	return context.WithValue(ctx, callKey{}, ci)
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
	return context.WithValue(ctx, callKey{}, ci)
}

// TraceParentFrom returns the traceparent carried by ctx, if any.
func TraceParentFrom(ctx context.Context) string { return callInfoFrom(ctx).traceParent }

// handlerContext is the context a handler runs with: the caller's request
// context and trace parent in one value.
func handlerContext(parent context.Context, rc RequestContext, traceParent string) context.Context {
	return context.WithValue(parent, callKey{}, callInfo{rc: rc, hasRC: true, traceParent: traceParent})
}

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
