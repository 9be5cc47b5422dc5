package rpc

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func TestCastErrorsAreLoggedWithRequestIDAndCounted(t *testing.T) {
	_, nc := env(t)
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	m := NewMetrics(newRegistry())
	startService(t, nc, "host-a", ServerLogger(logger), ServerMetrics(m))
	c := newTestClient(t, nc)
	rc := NewRequestContext()
	ctx := WithRequestContext(t.Context(), rc)
	// "fail" cast: nobody waits for the error, so the server must log it.
	if err := c.Cast(ctx, "fail", echoArgs{Text: "notfound"}); err != nil {
		t.Fatal(err)
	}
	exc := m.side["server"].exceptions.WithLabelValues("svc", "fail", "cast", "", "1.0", "InstanceNotFound")
	waitFor(t, func() bool { return testutil.ToFloat64(exc) == 1 })
	waitFor(t, func() bool {
		for _, l := range logs.lines() {
			if l["msg"] == "cast handler failed" {
				return true
			}
		}
		return false
	})
	for _, l := range logs.lines() {
		if l["msg"] == "cast handler failed" {
			if l["request_id"] != rc.RequestID || l["method"] != "fail" || !strings.Contains(l["error"].(string), "could not be found") {
				t.Fatalf("log line lacks request id, method or error: %v", l)
			}
		}
	}
}

func TestSlowConsumerIsCountedAndServerKeepsServing(t *testing.T) {
	_, nc := env(t)
	m := NewMetrics(newRegistry())
	ts := startService(t, nc, "host-a", WorkerPool(1), QueueLength(1), ServerMetrics(m), ServerLogger(discardLogger()))
	c := newTestClient(t, nc)
	// Occupy the only worker, then flood: the queue of 1 overflows and NATS
	// drops messages for this subscription.
	blocked := make(chan error, 1)
	go func() {
		_, err := mBlock.Invoke(t.Context(), c.MustPrepare(ToServer("host-a")), echoArgs{})
		blocked <- err
	}()
	<-ts.seen
	for i := 0; i < 500; i++ {
		if err := mNotify.Cast(t.Context(), c.MustPrepare(ToServer("host-a")), echoArgs{N: i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	slow := m.slowConsumers.WithLabelValues("svc")
	waitFor(t, func() bool { return testutil.ToFloat64(slow) > 0 })
	close(ts.gate)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	// The server is alive and serving.
	done := make(chan struct{})
	go func() {
		for range ts.casts {
		}
	}()
	defer close(done)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := mEcho.Invoke(t.Context(), c.MustPrepare(ToServer("host-a"), Timeout(2*time.Second)), echoArgs{})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not serving after a slow-consumer episode: %v", err)
		}
	}
}
