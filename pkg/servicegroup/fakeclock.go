package servicegroup

import (
	"context"
	"sync"
	"time"
)

// FakeClock is a Clock that only moves when told to. Its tickers fire from
// Advance, on the caller's goroutine, with the same drop-when-full behaviour
// as time.Ticker (channel capacity 1). Safe for concurrent use.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers map[*fakeTicker]struct{}
	changed chan struct{} // closed when the set of tickers changes
}

// NewFakeClock returns a clock standing at start.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start, tickers: map[*fakeTicker]struct{}{}, changed: make(chan struct{})}
}

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and fires every tick that falls due,
// in time order per ticker.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for t := range c.tickers {
		for !t.next.After(c.now) {
			select {
			case t.c <- t.next:
			default: // receiver behind: dropped, like time.Ticker
			}
			t.next = t.next.Add(t.period)
		}
	}
}

// NewTicker returns a ticker whose first tick is due one period from now.
func (c *FakeClock) NewTicker(period time.Duration) Ticker {
	if period <= 0 {
		panic("servicegroup: non-positive ticker period")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTicker{clock: c, c: make(chan time.Time, 1), period: period, next: c.now.Add(period)}
	c.tickers[t] = struct{}{}
	c.notifyLocked()
	return t
}

// Tickers is the number of tickers not stopped.
func (c *FakeClock) Tickers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.tickers)
}

// WaitForTickers blocks until exactly n tickers are live (so that a test
// advances time only once the code under test is listening, or knows that
// it has stopped) or ctx is done.
func (c *FakeClock) WaitForTickers(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		count, changed := len(c.tickers), c.changed
		c.mu.Unlock()
		if count == n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

func (c *FakeClock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

type fakeTicker struct {
	clock  *FakeClock
	c      chan time.Time
	period time.Duration
	next   time.Time // guarded by clock.mu
}

func (t *fakeTicker) C() <-chan time.Time { return t.c }

func (t *fakeTicker) Stop() {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	if _, ok := t.clock.tickers[t]; ok {
		delete(t.clock.tickers, t)
		t.clock.notifyLocked()
	}
}
