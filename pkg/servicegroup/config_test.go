package servicegroup

import (
	"testing"
	"time"
)

func TestEffective(t *testing.T) {
	for _, tc := range []struct {
		in       Config
		report   time.Duration
		down     time.Duration
		adjusted bool
	}{
		{Config{}, 10 * time.Second, 60 * time.Second, false},
		{Config{ReportInterval: 10 * time.Second, ServiceDownTime: 11 * time.Second}, 10 * time.Second, 11 * time.Second, false},
		// Not greater than the interval: 2.5x.
		{Config{ReportInterval: 10 * time.Second, ServiceDownTime: 10 * time.Second}, 10 * time.Second, 25 * time.Second, true},
		{Config{ReportInterval: 10 * time.Second, ServiceDownTime: 5 * time.Second}, 10 * time.Second, 25 * time.Second, true},
		// Nova's int(): 3 * 2.5 = 7.5 -> 7 seconds.
		{Config{ReportInterval: 3 * time.Second, ServiceDownTime: time.Second}, 3 * time.Second, 7 * time.Second, true},
		// The default down time against a long interval.
		{Config{ReportInterval: 60 * time.Second}, 60 * time.Second, 150 * time.Second, true},
		// Sub-second (tests): exact.
		{Config{ReportInterval: 200 * time.Millisecond, ServiceDownTime: 100 * time.Millisecond}, 200 * time.Millisecond, 500 * time.Millisecond, true},
	} {
		got, adjusted := tc.in.Effective()
		if got.ReportInterval != tc.report || got.ServiceDownTime != tc.down || adjusted != tc.adjusted {
			t.Errorf("%+v.Effective() = %+v, %v; want report %v down %v adjusted %v",
				tc.in, got, adjusted, tc.report, tc.down, tc.adjusted)
		}
	}
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestIsUpTransitions(t *testing.T) {
	clock := NewFakeClock(t0)
	cfg := Config{} // 10s / 60s
	last := clock.Now()

	if !cfg.IsUp(false, last, clock.Now()) {
		t.Fatal("down right after reporting")
	}
	clock.Advance(60 * time.Second)
	if !cfg.IsUp(false, last, clock.Now()) {
		t.Fatal("down at exactly service_down_time (nova: elapsed <= down time is up)")
	}
	clock.Advance(time.Nanosecond)
	if cfg.IsUp(false, last, clock.Now()) {
		t.Fatal("still up past service_down_time")
	}
	last = clock.Now() // it reports again
	if !cfg.IsUp(false, last, clock.Now()) {
		t.Fatal("not back up after a report")
	}
}

func TestIsUpForcedDown(t *testing.T) {
	cfg := Config{}
	if cfg.IsUp(true, t0, t0) {
		t.Fatal("forced_down service with a fresh report is up")
	}
	if !cfg.IsUp(false, t0, t0) {
		t.Fatal("the same service without forced_down is down")
	}
}

func TestIsUpNeverSeen(t *testing.T) {
	if (Config{}).IsUp(false, time.Time{}, t0) {
		t.Fatal("a service that never reported is up")
	}
}

func TestIsUpClockSkew(t *testing.T) {
	cfg := Config{}
	if !cfg.IsUp(false, t0.Add(30*time.Second), t0) {
		t.Fatal("a report 30s in the future (skew within down time) is down")
	}
	if cfg.IsUp(false, t0.Add(61*time.Second), t0) {
		t.Fatal("a report 61s in the future is up (nova takes the absolute distance)")
	}
}

func TestIsUpAppliesTheTwoPointFiveRule(t *testing.T) {
	cfg := Config{ReportInterval: 10 * time.Second, ServiceDownTime: 10 * time.Second}
	clock := NewFakeClock(t0)
	last := clock.Now()
	clock.Advance(20 * time.Second)
	if !cfg.IsUp(false, last, clock.Now()) {
		t.Fatal("down after 20s although the effective down time is 25s")
	}
	clock.Advance(5 * time.Second)
	if !cfg.IsUp(false, last, clock.Now()) {
		t.Fatal("down at 25s")
	}
	clock.Advance(time.Second)
	if cfg.IsUp(false, last, clock.Now()) {
		t.Fatal("up at 26s")
	}
}
