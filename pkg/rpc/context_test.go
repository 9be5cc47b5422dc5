package rpc

import (
	"context"
	"errors"
	"testing"
	"time"
)

type ctxTestKey struct{}

// A handler's context behaves as context.WithDeadline would, although its
// deadline is armed only when something waits on it.
func TestHandlerContextDeadline(t *testing.T) {
	base, stop := context.WithCancel(context.WithValue(context.Background(), ctxTestKey{}, "v"))
	defer stop()
	rc := RequestContext{RequestID: "req-x"}
	closed := func(ctx context.Context) bool {
		select {
		case <-ctx.Done():
			return true
		default:
			return false
		}
	}

	t.Run("expires unarmed and armed", func(t *testing.T) {
		dl := time.Now().Add(50 * time.Millisecond)
		c := handlerContext(base, rc, "", dl)
		defer c.end()
		if got, ok := c.Deadline(); !ok || !got.Equal(dl) {
			t.Fatalf("deadline %v %v", got, ok)
		}
		if c.Err() != nil || c.Value(ctxTestKey{}) != "v" {
			t.Fatalf("before the deadline: err %v, value %v", c.Err(), c.Value(ctxTestKey{}))
		}
		if got, _ := RequestContextFrom(c); got.RequestID != "req-x" {
			t.Fatalf("request context %+v", got)
		}
		child, cancel := context.WithCancel(c)
		defer cancel()
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("Done not closed at the deadline")
		}
		<-child.Done()
		if !errors.Is(c.Err(), context.DeadlineExceeded) || !errors.Is(child.Err(), context.DeadlineExceeded) ||
			!errors.Is(context.Cause(c), context.DeadlineExceeded) {
			t.Fatalf("after the deadline: %v, child %v, cause %v", c.Err(), child.Err(), context.Cause(c))
		}
	})
	t.Run("err past the deadline without Done", func(t *testing.T) {
		c := handlerContext(base, rc, "", time.Now().Add(-time.Millisecond))
		defer c.end()
		if !errors.Is(c.Err(), context.DeadlineExceeded) || !closed(c) {
			t.Fatalf("past deadline: err %v", c.Err())
		}
	})
	t.Run("end cancels", func(t *testing.T) {
		armed := handlerContext(base, rc, "", time.Now().Add(time.Hour))
		done := armed.Done()
		unarmed := handlerContext(base, rc, "", time.Now().Add(time.Hour))
		armed.end()
		unarmed.end()
		<-done
		if !errors.Is(armed.Err(), context.Canceled) || !errors.Is(unarmed.Err(), context.Canceled) || !closed(unarmed) {
			t.Fatalf("after end: %v, %v", armed.Err(), unarmed.Err())
		}
	})
	t.Run("server context cancels", func(t *testing.T) {
		b, cancelBase := context.WithCancel(context.Background())
		c := handlerContext(b, rc, "", time.Now().Add(time.Hour))
		defer c.end()
		noDeadline := handlerContext(b, rc, "", time.Time{})
		cancelBase()
		if !errors.Is(c.Err(), context.Canceled) || !closed(c) || !closed(noDeadline) || noDeadline.Err() == nil {
			t.Fatalf("after the server's context ended: %v, %v", c.Err(), noDeadline.Err())
		}
		if _, ok := noDeadline.Deadline(); ok {
			t.Fatal("a cast's context has a deadline")
		}
	})
}
