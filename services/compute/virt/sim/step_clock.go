package sim

import (
	"context"
	"sort"
	"sync"
	"time"
)

// StepClock is a fully virtual clock for deterministic tests: time only
// moves when told to.
//
// In manual mode (NewStepClock) time moves with Advance; a test can wait,
// without sleeping, for a goroutine to block on the clock with
// BlockUntilWaiters, look at its state, then Advance.
//
// In auto mode (NewAutoStepClock) time jumps forward to a waiter's deadline
// as soon as it starts waiting: a simulated migration of hours runs in
// microseconds, in a reproducible order of events.
type StepClock struct {
	mu      sync.Mutex
	now     time.Time
	auto    bool
	waiters []stepWaiter
	changed chan struct{} // closed and replaced whenever waiters change
}

type stepWaiter struct {
	deadline time.Time
	ch       chan time.Time
}

// NewStepClock returns a manual clock reading start.
func NewStepClock(start time.Time) *StepClock {
	return &StepClock{now: start, changed: make(chan struct{})}
}

// NewAutoStepClock returns a clock reading start that advances by itself to
// each deadline a waiter asks for.
func NewAutoStepClock(start time.Time) *StepClock {
	c := NewStepClock(start)
	c.auto = true
	return c
}

func (c *StepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *StepClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, stepWaiter{deadline: c.now.Add(d), ch: ch})
	if c.auto {
		c.advanceLocked(d)
	}
	c.notifyLocked()
	return ch
}

// Advance moves the clock forward by d, releasing every waiter whose
// deadline is reached, earliest first.
func (c *StepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advanceLocked(d)
	c.notifyLocked()
}

func (c *StepClock) advanceLocked(d time.Duration) {
	if d > 0 {
		c.now = c.now.Add(d)
	}
	sort.SliceStable(c.waiters, func(i, j int) bool { return c.waiters[i].deadline.Before(c.waiters[j].deadline) })
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.deadline.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- w.deadline
	}
	c.waiters = kept
}

func (c *StepClock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Waiters is the number of pending waits. A wait abandoned by its caller
// (After's channel never read) stays pending until its deadline passes.
func (c *StepClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// BlockUntilWaiters returns once at least n waits are pending, or with
// ctx's error. It is woken by the clock's own events, not by polling.
func (c *StepClock) BlockUntilWaiters(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		count, changed := len(c.waiters), c.changed
		c.mu.Unlock()
		if count >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
