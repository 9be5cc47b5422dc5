package sim

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Clock is the hypervisor's sense of time. Every duration the simulator
// deals in — nova's monitor interval, downtime delays, completion timeouts,
// transfer times — is clock time, so a fast clock makes a 75 s downtime step
// take milliseconds of wall time without changing any of nova's numbers.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives the clock time once d of clock
	// time has passed. Abandoning the channel is allowed.
	After(d time.Duration) <-chan time.Time
}

// Sleep waits for d of clock time, or until ctx is done.
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-c.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// AcceleratedClock runs speed times faster than the wall clock: clock time
// is start + real elapsed × speed. Waiting is done with real timers (no
// polling), so a wait of d costs d/speed of wall time.
type AcceleratedClock struct {
	origin    time.Time // clock time at creation
	realStart time.Time // wall time at creation, with its monotonic reading
	speed     float64
}

// NewAcceleratedClock returns a clock starting at the current wall time and
// running speed times faster (1 is the wall clock; 1000 turns nova's 0.5 s
// monitor interval into 0.5 ms).
func NewAcceleratedClock(speed float64) (*AcceleratedClock, error) {
	if !(speed > 0) || math.IsInf(speed, 0) {
		return nil, fmt.Errorf("sim: clock speed must be a finite number > 0, got %v", speed)
	}
	now := time.Now()
	return &AcceleratedClock{origin: now.Round(0), realStart: now, speed: speed}, nil
}

// RealClock is the wall clock.
func RealClock() *AcceleratedClock {
	c, _ := NewAcceleratedClock(1)
	return c
}

// Speed is the acceleration factor.
func (c *AcceleratedClock) Speed() float64 { return c.speed }

func (c *AcceleratedClock) Now() time.Time {
	return c.origin.Add(c.scaleUp(time.Since(c.realStart)))
}

func (c *AcceleratedClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1) // buffered: the timer never blocks on an abandoned waiter
	if d <= 0 {
		ch <- c.Now()
		return ch
	}
	time.AfterFunc(c.scaleDown(d), func() { ch <- c.Now() })
	return ch
}

func (c *AcceleratedClock) scaleUp(real time.Duration) time.Duration {
	return time.Duration(float64(real) * c.speed)
}

// scaleDown converts clock time to wall time, rounding up so a wait never
// ends before the clock reached its deadline.
func (c *AcceleratedClock) scaleDown(d time.Duration) time.Duration {
	return time.Duration(math.Ceil(float64(d) / c.speed))
}
