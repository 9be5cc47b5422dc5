package servicegroup

import "time"

// Clock is the time source of the liveness logic, so that tests can move
// time by hand instead of sleeping.
type Clock interface {
	Now() time.Time
	// NewTicker behaves like time.NewTicker: one tick per period, ticks
	// dropped while the receiver is behind.
	NewTicker(period time.Duration) Ticker
}

// Ticker is the part of *time.Ticker the reporter uses.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// RealClock is the wall clock.
func RealClock() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time { return r.t.C }
func (r realTicker) Stop()               { r.t.Stop() }
