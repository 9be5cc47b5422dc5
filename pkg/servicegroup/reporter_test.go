package servicegroup

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness runs a Reporter on a fake clock. Each call of the report function
// is announced on calls and answered with the next error from results.
type harness struct {
	clock   *FakeClock
	r       *Reporter
	calls   chan time.Time
	results chan error
	logs    *syncBuffer
	cancel  context.CancelFunc
	done    chan struct{}
}

func startReporter(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{
		clock:   NewFakeClock(t0),
		calls:   make(chan time.Time),
		results: make(chan error),
		logs:    &syncBuffer{},
		done:    make(chan struct{}),
	}
	h.r = NewReporter(cfg, h.clock, func(ctx context.Context) error {
		select {
		case h.calls <- h.clock.Now():
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case err := <-h.results:
			if err != nil && err.Error() == "panic" {
				panic("boom")
			}
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}, slog.New(slog.NewTextHandler(h.logs, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() {
		defer close(h.done)
		h.r.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-h.done
	})
	return h
}

// expectCall waits for the reporter to call the report function, checks the
// clock reading it saw, and answers with err.
func (h *harness) expectCall(t *testing.T, at time.Time, err error) {
	t.Helper()
	select {
	case got := <-h.calls:
		if !got.Equal(at) {
			t.Fatalf("report at %v, want %v", got.Sub(t0), at.Sub(t0))
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no report call for %v", at.Sub(t0))
	}
	h.results <- err
}

func (h *harness) expectNoCall(t *testing.T) {
	t.Helper()
	select {
	case got := <-h.calls:
		t.Fatalf("unexpected report at %v", got.Sub(t0))
	default:
	}
}

func TestReporterTicksWithTheClock(t *testing.T) {
	h := startReporter(t, Config{ReportInterval: 10 * time.Second})
	h.expectCall(t, t0, nil) // at once on start
	for i := 1; i <= 3; i++ {
		h.clock.Advance(9 * time.Second)
		h.expectNoCall(t) // not due yet (the tick would be buffered by now)
		h.clock.Advance(time.Second)
		h.expectCall(t, t0.Add(time.Duration(i)*10*time.Second), nil)
	}
	h.cancel()
	<-h.done
	if s := h.r.Stats(); s.Reports != 4 || s.Failures != 0 || !s.LastSuccess.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("stats = %+v", s)
	}
	if n := h.clock.Tickers(); n != 0 {
		t.Fatalf("%d tickers left after Run returned", n)
	}
}

func TestReporterKeepsGoingAfterFailures(t *testing.T) {
	h := startReporter(t, Config{})
	h.expectCall(t, t0, nil)
	h.clock.Advance(10 * time.Second)
	h.expectCall(t, t0.Add(10*time.Second), errors.New("conductor timeout"))
	h.clock.Advance(10 * time.Second)
	h.expectCall(t, t0.Add(20*time.Second), errors.New("panic")) // the report panics
	h.clock.Advance(10 * time.Second)
	h.expectCall(t, t0.Add(30*time.Second), nil)
	// The stats of the last call are final once the next call begins.
	h.clock.Advance(10 * time.Second)
	select {
	case <-h.calls:
	case <-time.After(10 * time.Second):
		t.Fatal("no report after recovery")
	}
	s := h.r.Stats()
	if s.Reports != 2 || s.Failures != 2 || s.ConsecutiveFailures != 0 || s.LastError == nil || !strings.Contains(s.LastError.Error(), "boom") {
		t.Fatalf("stats = %+v", s)
	}
	h.results <- nil
	logs := h.logs.String()
	for _, want := range []string{"conductor timeout", "report panicked: boom", "consecutive_failures=2", "reporting state again"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestReporterStopsOnCancel(t *testing.T) {
	h := startReporter(t, Config{})
	h.expectCall(t, t0, nil)
	if err := h.clock.WaitForTickers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.clock.WaitForTickers(ctx, 0); err != nil {
		t.Fatal("ticker not stopped")
	}
	h.clock.Advance(time.Minute)
	h.expectNoCall(t)
	if s := h.r.Stats(); s.Reports != 1 || s.Failures != 0 {
		t.Fatalf("stats = %+v", s)
	}
}

// The reporter and IsUp together: a service that stops getting its reports
// through is seen down service_down_time after the last one that did.
func TestServiceGoesDownWhenReportsFail(t *testing.T) {
	cfg := Config{} // 10s / 60s
	h := startReporter(t, cfg)
	h.expectCall(t, t0, nil)
	h.clock.Advance(10 * time.Second)
	h.expectCall(t, t0.Add(10*time.Second), nil)
	lastSeen := t0.Add(10 * time.Second) // the last report that got through
	for i := 2; i <= 8; i++ {
		h.clock.Advance(10 * time.Second)
		h.expectCall(t, t0.Add(time.Duration(i)*10*time.Second), errors.New("nats down"))
		up := cfg.IsUp(false, lastSeen, h.clock.Now())
		if wantUp := i <= 7; up != wantUp { // 70s - 10s = 60s is still up
			t.Fatalf("at %ds: up=%v", i*10, up)
		}
	}
}
