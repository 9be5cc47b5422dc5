package servicegroup

import (
	"testing"
	"time"
)

func TestFakeTicker(t *testing.T) {
	c := NewFakeClock(t0)
	tk := c.NewTicker(10 * time.Second)
	noTick := func() {
		t.Helper()
		select {
		case at := <-tk.C():
			t.Fatalf("unexpected tick %v", at.Sub(t0))
		default:
		}
	}
	tick := func(want time.Duration) {
		t.Helper()
		select {
		case at := <-tk.C():
			if at.Sub(t0) != want {
				t.Fatalf("tick at %v, want %v", at.Sub(t0), want)
			}
		default:
			t.Fatalf("no tick, want one at %v", want)
		}
	}
	// Advance sends synchronously, so these checks need no waiting.
	c.Advance(9 * time.Second)
	noTick()
	c.Advance(time.Second)
	tick(10 * time.Second)
	noTick()
	// Two periods at once: like time.Ticker, the second tick is dropped
	// because nobody took the first.
	c.Advance(20 * time.Second)
	tick(20 * time.Second)
	noTick()
	if !c.Now().Equal(t0.Add(30 * time.Second)) {
		t.Fatalf("now = %v", c.Now().Sub(t0))
	}
	tk.Stop()
	tk.Stop() // idempotent
	if c.Tickers() != 0 {
		t.Fatalf("%d tickers after Stop", c.Tickers())
	}
	c.Advance(time.Minute)
	noTick()
}
