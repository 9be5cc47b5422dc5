package sim

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func nan() float64 { return math.NaN() }

func TestAcceleratedClockRunsFaster(t *testing.T) {
	c, err := NewAcceleratedClock(10000)
	if err != nil {
		t.Fatal(err)
	}
	before := c.Now()
	realBefore := time.Now()
	at := <-c.After(10 * time.Second) // 1 ms of wall time
	if got := at.Sub(before); got < 10*time.Second {
		t.Errorf("After(10s) fired after %s of clock time", got)
	}
	if real := time.Since(realBefore); real > 5*time.Second {
		t.Errorf("10 s at speed 10000 took %s of wall time", real)
	}
	for _, bad := range []float64{0, -1, nan()} {
		if _, err := NewAcceleratedClock(bad); err == nil {
			t.Errorf("speed %v accepted", bad)
		}
	}
}

func TestSleepHonoursContext(t *testing.T) {
	c := NewStepClock(time.Unix(0, 0)) // never advances: only the context can end the wait
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, c, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep = %v, want context.Canceled", err)
	}
}

func TestStepClockManual(t *testing.T) {
	start := time.Unix(1000, 0)
	c := NewStepClock(start)
	ch := c.After(5 * time.Second)
	if c.Waiters() != 1 {
		t.Fatalf("waiters = %d, want 1", c.Waiters())
	}
	c.Advance(4 * time.Second)
	select {
	case <-ch:
		t.Fatal("fired before its deadline")
	default:
	}
	c.Advance(time.Second)
	if got := <-ch; !got.Equal(start.Add(5 * time.Second)) {
		t.Errorf("fired with %s, want start+5s", got)
	}
	if c.Waiters() != 0 {
		t.Errorf("waiters after firing = %d", c.Waiters())
	}
}

func TestStepClockBlockUntilWaiters(t *testing.T) {
	c := NewStepClock(time.Unix(0, 0))
	got := make(chan time.Time)
	go func() { got <- <-c.After(time.Minute) }()
	if err := c.BlockUntilWaiters(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	if at := <-got; at != time.Unix(60, 0) {
		t.Errorf("woke at %s", at)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.BlockUntilWaiters(ctx, 5); !errors.Is(err, context.Canceled) {
		t.Errorf("BlockUntilWaiters = %v, want context.Canceled", err)
	}
}

func TestAutoStepClockJumpsToDeadlines(t *testing.T) {
	c := NewAutoStepClock(time.Unix(0, 0))
	at := <-c.After(75 * time.Second)
	if at != time.Unix(75, 0) || c.Now() != time.Unix(75, 0) {
		t.Errorf("fired at %s, now %s; want both at 75s", at, c.Now())
	}
}
