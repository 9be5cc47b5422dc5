package sim

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/novanats/novanats/services/compute/virt"
)

// With a manual clock the test decides when time moves, so it can look at
// a running migration from another goroutine without sleeping.
func TestStatsAndAbortFromAnotherGoroutine(t *testing.T) {
	clock := NewStepClock(epoch)
	fabric := NewFabric()
	src := newHost(t, "src", fabric, clock, nil)
	dst := newHost(t, "dst", fabric, clock, nil)
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)

	done := make(chan error, 1)
	go func() { done <- src.LiveMigration(context.Background(), uuid1, "dst", data, nil) }()

	ctx := context.Background()
	// The monitor ran its tick at 0 s and waits for 0.5 s.
	if err := clock.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s, err := src.LiveMigrationStats(uuid1)
	if err != nil || s.Phase != virt.PhasePreCopy || s.Elapsed != 0 || s.DowntimeLimit != 300*time.Millisecond {
		t.Fatalf("stats at start %+v, %v", s, err)
	}
	clock.Advance(500 * time.Millisecond)
	if err := clock.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s, _ = src.LiveMigrationStats(uuid1)
	if s.Elapsed != 500*time.Millisecond || s.MemoryProcessed != 512*mib || s.DowntimeLimit != 50*time.Millisecond {
		t.Fatalf("stats at 0.5 s %+v", s)
	}

	if err := src.LiveMigrationAbort(uuid1); err != nil {
		t.Fatal(err)
	}
	err = <-done
	var aborted *virt.MigrationAborted
	if !errors.As(err, &aborted) || aborted.Reason != virt.AbortRequested || aborted.Elapsed != 500*time.Millisecond {
		t.Fatalf("err = %v, want an abort at 0.5s", err)
	}
}

// Hammer a migration on the accelerated clock from several goroutines: run
// with -race. Stats must only move forward, and a force-complete sent from
// outside must end the migration in post-copy.
func TestConcurrentCallersDuringMigration(t *testing.T) {
	clock, err := NewAcceleratedClock(20000)
	if err != nil {
		t.Fatal(err)
	}
	fabric := NewFabric()
	mutate := func(o *Options) {
		o.Migration.PermitPostCopy = true
		o.Migration.CompletionTimeout = 0 // only the force-complete can end it, however slow the machine
	}
	src := newHost(t, "src", fabric, clock, mutate)
	dst := newHost(t, "dst", fabric, clock, mutate)
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)

	done := make(chan struct{})
	var migErr error
	go func() {
		defer close(done)
		migErr = src.LiveMigration(context.Background(), uuid1, "dst", data, nil)
	}()

	var wg sync.WaitGroup
	problems := make(chan string, 16)
	giveUp := func(msg string) {
		problems <- msg
		_ = src.LiveMigrationAbort(uuid1) // nothing else would end it: the timeout is off
	}
	wg.Add(1)
	go func() { // watcher: stats are monotonic; force-complete once past 100 s
		defer wg.Done()
		var last virt.JobStats
		forced := false
		for {
			select {
			case <-done:
				return
			default:
			}
			s, err := src.LiveMigrationStats(uuid1)
			if errors.Is(err, virt.ErrNoActiveMigration) && !forced {
				runtime.Gosched() // LiveMigration has not registered the job yet
				continue
			}
			if err != nil {
				giveUp("stats: " + err.Error())
				return
			}
			if s.Elapsed < last.Elapsed || s.DataProcessed < last.DataProcessed {
				giveUp("stats went backwards")
				return
			}
			last = s
			if !forced && s.Elapsed > 100*time.Second {
				forced = true
				if err := src.LiveMigrationForceComplete(uuid1); err != nil {
					giveUp("force-complete: " + err.Error())
					return
				}
			}
			runtime.Gosched()
		}
	}()
	for range 3 { // bystanders reading both hosts
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				_, _ = src.ListInstances()
				_, _ = dst.GetAvailableResource()
				_, _ = dst.PowerState(uuid1)
				runtime.Gosched()
			}
		}()
	}
	<-done
	wg.Wait()
	close(problems)
	for p := range problems {
		t.Error(p)
	}
	if migErr != nil {
		t.Fatalf("migration: %v", migErr)
	}
	s, _ := src.LiveMigrationStats(uuid1)
	if !s.PostCopy || s.Phase != virt.PhaseCompleted || s.Elapsed <= 100*time.Second {
		t.Errorf("final %+v, want a post-copy completion after the force-complete", s)
	}
}
