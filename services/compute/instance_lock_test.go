package compute

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// One operation per instance at a time, operations on different instances
// side by side, and no entry left once nobody holds or waits.
func TestInstanceLocks(t *testing.T) {
	var l instanceLocks
	ctx := context.Background()
	unlockA, err := l.lock(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	unlockB, err := l.lock(ctx, "b")
	if err != nil {
		t.Fatalf("a lock on another instance waited: %v", err)
	}
	unlockB()

	// A second taker of "a" waits until the first lets go.
	var order []string
	var mu sync.Mutex
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	got := make(chan struct{})
	go func() {
		unlock, err := l.lock(ctx, "a")
		if err != nil {
			t.Error(err)
			close(got)
			return
		}
		note("second")
		close(got)
		unlock()
	}()
	// A taker whose context ends gives up without the lock.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.lock(cctx, "a"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	note("first")
	unlockA()
	<-got
	if len(order) != 2 || order[0] != "first" || order[1] != "second" {
		t.Fatalf("order %v", order)
	}
	// The second taker has released: nothing is left behind.
	unlock, _ := l.lock(ctx, "a")
	unlock()
	if n := l.held(); n != 0 {
		t.Errorf("%d lock entries left", n)
	}
}
