package sim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/novanats/novanats/services/compute/virt"
)

// A 2 GiB guest dirtying 16 MiB/s over a 1 GiB/s link: pass 1 takes 2 s
// and leaves 32 MiB (31.25 ms), under the 50 ms nova's first downtime step
// allows from the 0.5 s tick on.
func TestLiveMigrationCompletes(t *testing.T) {
	src, dst := newPair(t, nil)
	g := spec(2048, 16)
	spawn(t, src, g)
	data := prepare(t, src, dst, g, nil)

	var rec recorder
	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress); err != nil {
		t.Fatal(err)
	}

	all := rec.stats()
	// Ticks at 0, 0.5, 1, 1.5 and 2 s, then the final report.
	if len(all) != 6 {
		t.Fatalf("%d progress reports, want 5 ticks and a final one", len(all))
	}
	for i, s := range all[:5] {
		if want := time.Duration(i) * 500 * time.Millisecond; s.Elapsed != want {
			t.Errorf("tick %d at %s, want %s", i, s.Elapsed, want)
		}
	}
	if all[0].DowntimeLimit != 300*time.Millisecond || all[1].DowntimeLimit != 50*time.Millisecond {
		t.Errorf("downtime limit %s then %s, want QEMU's 300ms then nova's first step 50ms",
			all[0].DowntimeLimit, all[1].DowntimeLimit)
	}
	if all[2].ProgressPercent() != 50 {
		t.Errorf("progress at 1 s = %d%%, want 50%%", all[2].ProgressPercent())
	}
	final := all[5]
	if final.Phase != virt.PhaseCompleted || final.Elapsed != 2031250*time.Microsecond ||
		final.Downtime != 31250*time.Microsecond || final.MemoryIteration != 1 {
		t.Errorf("final stats %+v, want completed at 2.03125s with 31.25ms downtime after 1 pass", final)
	}
	if final.MemoryTotal != 2048*mib || final.MemoryProcessed != (2048+32)*mib || final.DataRemaining != 0 {
		t.Errorf("final memory stats %+v", final)
	}
	if got, err := src.LiveMigrationStats(uuid1); err != nil || got != final {
		t.Errorf("LiveMigrationStats = %+v, %v; want the final report", got, err)
	}

	// The guest moved: undefined on the source, running on the destination.
	if _, err := src.PowerState(uuid1); !errors.Is(err, virt.ErrInstanceNotFound) {
		t.Errorf("source still has the guest: %v", err)
	}
	info, err := dst.Guest(uuid1)
	if err != nil || info.Power != virt.PowerRunning || info.Incoming {
		t.Errorf("destination guest %+v, %v; want running, arrived", info, err)
	}
	ctx := context.Background()
	if err := dst.PostLiveMigrationAtDestination(ctx, uuid1, data); err != nil {
		t.Error(err)
	}
	if err := src.PostLiveMigrationAtSource(ctx, uuid1, data); err != nil {
		t.Error(err)
	}
	if _, err := src.LiveMigrationStats(uuid1); !errors.Is(err, virt.ErrNoActiveMigration) {
		t.Errorf("stats kept after post live migration at source: %v", err)
	}
	if err := dst.RollbackLiveMigrationAtDestination(ctx, uuid1, data); !errors.Is(err, virt.ErrInvalidState) {
		t.Errorf("rollback of an arrived guest = %v, want ErrInvalidState", err)
	}
}

// A guest re-dirtying a 200 MiB working set needs 195 ms of downtime: it
// only converges once nova's ramp reaches 230 ms, the step after 1200 s
// for 4 GiB (75 s × 4 per step: 50, 95, 140, 185, 230 ms).
func TestDowntimeStepsLetAHotGuestConverge(t *testing.T) {
	src, dst := newPair(t, nil)
	g := spec(4096, 4096)
	spawn(t, src, g)
	if err := src.SetWorkingSet(uuid1, 200); err != nil {
		t.Fatal(err)
	}
	data := prepare(t, src, dst, g, nil)

	var rec recorder
	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress); err != nil {
		t.Fatal(err)
	}
	wantLimit := map[time.Duration]time.Duration{
		secs(300):   50 * time.Millisecond, // the mark itself is not passed
		secs(300.5): 95 * time.Millisecond,
		secs(900.5): 185 * time.Millisecond,
		secs(1200):  185 * time.Millisecond,
	}
	for _, s := range rec.stats() {
		if want, ok := wantLimit[s.Elapsed]; ok && s.DowntimeLimit != want {
			t.Errorf("downtime limit at %s = %s, want %s", s.Elapsed, s.DowntimeLimit, want)
		}
	}
	final := rec.last(t)
	if final.Phase != virt.PhaseCompleted || final.DowntimeLimit != 230*time.Millisecond ||
		final.Downtime != 195312500*time.Nanosecond {
		t.Errorf("final %+v, want completed under 230ms with 195.3125ms downtime", final)
	}
	if final.Elapsed <= secs(1200.5) || final.Elapsed > secs(1200.5+2*0.1953125) {
		t.Errorf("completed at %s, want within two 0.195s passes after the 1200.5s tick", final.Elapsed)
	}
}

// dirtier is a 2 GiB guest dirtying memory twice as fast as the 1 GiB/s
// link: it never converges by itself. Its completion timeout is
// 800 s × 2 GiB = 1600 s, acted on at the first tick after: 1600.5 s.
func dirtier() virt.GuestSpec { return spec(2048, 2048) }

func TestCompletionTimeoutAborts(t *testing.T) {
	src, dst := newPair(t, nil)
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)

	var rec recorder
	err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress)
	var aborted *virt.MigrationAborted
	if !errors.As(err, &aborted) || aborted.Reason != virt.AbortCompletionTimeout {
		t.Fatalf("err = %v, want MigrationAborted by completion timeout", err)
	}
	if aborted.Timeout != 1600*time.Second || aborted.Elapsed != secs(1600.5) {
		t.Errorf("timeout %s elapsed %s, want 1600s and 1600.5s", aborted.Timeout, aborted.Elapsed)
	}
	if got := virt.MigrationStatusFor(err); got != virt.MigrationStatusFailed {
		t.Errorf("status = %s, want failed", got)
	}
	if final := rec.last(t); final.Phase != virt.PhaseCancelled || final.AutoConverge || final.PostCopy {
		t.Errorf("final %+v", final)
	}
	// The guest still runs on the source; the destination keeps its
	// prepared guest until the rollback.
	if p := power(t, src, uuid1); p != virt.PowerRunning {
		t.Errorf("source guest %s, want running", p)
	}
	if info, _ := dst.Guest(uuid1); !info.Incoming || info.Power != virt.PowerPaused {
		t.Errorf("destination guest %+v, want incoming and paused", info)
	}
	if err := dst.RollbackLiveMigrationAtDestination(context.Background(), uuid1, data); err != nil {
		t.Fatal(err)
	}
	if ids, _ := dst.ListInstances(); len(ids) != 0 {
		t.Errorf("destination still lists %v after rollback", ids)
	}
	// The guest can be migrated again.
	if _, err := src.CheckCanLiveMigrateSource(context.Background(), uuid1, data); err != nil {
		t.Errorf("source refuses a new migration: %v", err)
	}
}

// force_complete without post-copy pauses the guest at 1601 s (the action is
// queued at 1600.5 s, run at the next tick). The pass in flight (1600–1602 s)
// still leaves 2 GiB dirty; the next one (1602–1604 s) leaves nothing.
func TestCompletionTimeoutForceCompletePauses(t *testing.T) {
	src, dst := newPair(t, func(o *Options) { o.Migration.TimeoutAction = virt.TimeoutActionForceComplete })
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)

	var rec recorder
	var srcPowerWhilePaused virt.PowerState
	rec.react = once(func(s virt.JobStats) bool { return s.Paused }, func() { srcPowerWhilePaused = power(t, src, uuid1) })
	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress); err != nil {
		t.Fatal(err)
	}
	if s := rec.first(t, func(s virt.JobStats) bool { return s.Paused }); s.Elapsed != secs(1601) {
		t.Errorf("paused at %s, want 1601s", s.Elapsed)
	}
	if srcPowerWhilePaused != virt.PowerPaused {
		t.Errorf("source guest %s while paused by force-complete", srcPowerWhilePaused)
	}
	final := rec.last(t)
	if final.Phase != virt.PhaseCompleted || final.PostCopy || !final.Paused ||
		final.Elapsed != 1604*time.Second || final.Downtime != 3*time.Second {
		t.Errorf("final %+v, want completed at 1604s by pausing, 3s downtime", final)
	}
	// libvirt resumes a guest the migration paused once it reaches the
	// destination.
	if p := power(t, dst, uuid1); p != virt.PowerRunning {
		t.Errorf("destination guest %s, want running", p)
	}
}

// force_complete with post-copy permitted switches at 1601 s: the pass in
// flight has 1 GiB left and the guest re-dirtied all 2 GiB, so 2 GiB are
// pulled from the destination, done at 1603 s.
func TestCompletionTimeoutForceCompletePostCopy(t *testing.T) {
	src, dst := newPair(t, func(o *Options) {
		o.Migration.TimeoutAction = virt.TimeoutActionForceComplete
		o.Migration.PermitPostCopy = true
	})
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)

	var rec recorder
	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress); err != nil {
		t.Fatal(err)
	}
	if s := rec.first(t, func(s virt.JobStats) bool { return s.PostCopy }); s.Elapsed != secs(1601) || s.Phase != virt.PhasePostCopy {
		t.Errorf("post-copy from %s (%s), want 1601s", s.Elapsed, s.Phase)
	}
	final := rec.last(t)
	if final.Phase != virt.PhaseCompleted || !final.PostCopy || final.Paused || final.Elapsed != 1603*time.Second {
		t.Errorf("final %+v, want post-copy completion at 1603s", final)
	}
	if p := power(t, dst, uuid1); p != virt.PowerRunning {
		t.Errorf("destination guest %s, want running", p)
	}
}

func TestAutoConvergeCompletesADirtyGuest(t *testing.T) {
	src, dst := newPair(t, func(o *Options) { o.Migration.PermitAutoConverge = true })
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)

	var rec recorder
	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress); err != nil {
		t.Fatal(err)
	}
	final := rec.last(t)
	if !final.AutoConverge || final.AutoConvergeThrottle < 50 || final.PostCopy || final.Paused {
		t.Errorf("final %+v, want auto-converge with a throttle >= 50%%", final)
	}
	if final.Elapsed >= 1600*time.Second || final.Downtime > final.DowntimeLimit {
		t.Errorf("took %s with downtime %s (limit %s)", final.Elapsed, final.Downtime, final.DowntimeLimit)
	}
}

// The force-complete API is queued like nova's and applied at the next
// tick; once in post-copy, abort is refused and the migration finishes.
func TestForceCompleteSwitchesToPostCopyAtNextTick(t *testing.T) {
	src, dst := newPair(t, func(o *Options) { o.Migration.PermitPostCopy = true })
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)

	var rec recorder
	var abortErr error
	var srcPower, dstPower virt.PowerState
	forced := once(func(s virt.JobStats) bool { return s.Elapsed >= 10*time.Second }, func() {
		if err := src.LiveMigrationForceComplete(uuid1); err != nil {
			t.Error(err)
		}
	})
	inPostCopy := once(func(s virt.JobStats) bool { return s.PostCopy }, func() {
		abortErr = src.LiveMigrationAbort(uuid1)
		srcPower, dstPower = power(t, src, uuid1), power(t, dst, uuid1)
	})
	rec.react = func(s virt.JobStats) { forced(s); inPostCopy(s) }

	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress); err != nil {
		t.Fatal(err)
	}
	if s := rec.first(t, func(s virt.JobStats) bool { return s.PostCopy }); s.Elapsed != secs(10.5) {
		t.Errorf("switched at %s, want the tick after the request: 10.5s", s.Elapsed)
	}
	if !errors.Is(abortErr, virt.ErrPostCopyAbort) {
		t.Errorf("abort in post-copy = %v, want ErrPostCopyAbort", abortErr)
	}
	if srcPower != virt.PowerPaused || dstPower != virt.PowerRunning {
		t.Errorf("in post-copy: source %s, destination %s; want paused and running", srcPower, dstPower)
	}
	if final := rec.last(t); final.Phase != virt.PhaseCompleted || !final.PostCopy {
		t.Errorf("final %+v", final)
	}
}

// An abort undoes a force-complete pause (nova's run_recover_tasks).
func TestAbortUnpausesTheGuest(t *testing.T) {
	src, dst := newPair(t, nil)
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)

	var rec recorder
	force := once(func(s virt.JobStats) bool { return s.Elapsed >= 5*time.Second }, func() {
		if err := src.LiveMigrationForceComplete(uuid1); err != nil {
			t.Error(err)
		}
	})
	abort := once(func(s virt.JobStats) bool { return s.Paused && s.Elapsed >= 6500*time.Millisecond }, func() {
		if err := src.LiveMigrationAbort(uuid1); err != nil {
			t.Error(err)
		}
	})
	rec.react = func(s virt.JobStats) { force(s); abort(s) }

	err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress)
	var aborted *virt.MigrationAborted
	if !errors.As(err, &aborted) || aborted.Reason != virt.AbortRequested || aborted.Elapsed != secs(6.5) {
		t.Fatalf("err = %v, want MigrationAborted (requested) at 6.5s", err)
	}
	if got := virt.MigrationStatusFor(err); got != virt.MigrationStatusCancelled {
		t.Errorf("status = %s, want cancelled", got)
	}
	if p := power(t, src, uuid1); p != virt.PowerRunning {
		t.Errorf("source guest %s after abort, want running again", p)
	}
	if _, err := src.LiveMigrationStats(uuid1); err != nil {
		t.Errorf("stats of the cancelled migration: %v", err)
	}
	if err := src.LiveMigrationAbort(uuid1); !errors.Is(err, virt.ErrNoActiveMigration) {
		t.Errorf("second abort = %v, want ErrNoActiveMigration", err)
	}
	if err := src.LiveMigrationForceComplete(uuid1); !errors.Is(err, virt.ErrNoActiveMigration) {
		t.Errorf("force-complete after the end = %v, want ErrNoActiveMigration", err)
	}
}

func TestContextCancelAbortsBeforeSwitchOver(t *testing.T) {
	src, dst := newPair(t, nil)
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := recorder{react: once(func(s virt.JobStats) bool { return s.Elapsed >= 3*time.Second }, cancel)}
	err := src.LiveMigration(ctx, uuid1, "dst", data, rec.progress)
	var aborted *virt.MigrationAborted
	if !errors.As(err, &aborted) || aborted.Reason != virt.AbortContextCancelled || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want MigrationAborted wrapping context.Canceled", err)
	}
	if aborted.Elapsed != 3*time.Second {
		t.Errorf("cancelled at %s, want 3s", aborted.Elapsed)
	}
	if p := power(t, src, uuid1); p != virt.PowerRunning {
		t.Errorf("source guest %s", p)
	}
}

// Block migration copies the local disk first; nova counts it in the data
// size, so 2 GiB of RAM + a 10 GiB disk give a 9600 s timeout.
func TestBlockMigrationCopiesTheDisk(t *testing.T) {
	src, dst := newPair(t, nil)
	g := spec(2048, 16)
	g.DiskGB = 10
	spawn(t, src, g)
	data := prepare(t, src, dst, g, nil)
	if !data.BlockMigration || data.IsSharedInstancePath {
		t.Fatalf("local storage resolved to %+v, want block migration", data)
	}

	var rec recorder
	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress); err != nil {
		t.Fatal(err)
	}
	all := rec.stats()
	if all[0].Phase != virt.PhaseDisk || all[0].DiskTotal != 10*1024*mib || all[0].DataTotal != 12*1024*mib {
		t.Errorf("first report %+v, want the disk copy", all[0])
	}
	final := rec.last(t)
	if final.DiskProcessed != 10*1024*mib || final.DiskRemaining != 0 || final.Elapsed < 12*time.Second {
		t.Errorf("final %+v, want 10 GiB of disk sent, then 2 GiB of memory", final)
	}
	if info, _ := dst.Guest(uuid1); info.Spec.DiskGB != 10 || info.Power != virt.PowerRunning {
		t.Errorf("destination guest %+v", info)
	}
}

// A paused guest dirties nothing and stays paused on the destination.
func TestPausedGuestStaysPaused(t *testing.T) {
	src, dst := newPair(t, nil)
	spawn(t, src, dirtier())
	if err := src.Pause(context.Background(), uuid1); err != nil {
		t.Fatal(err)
	}
	data := prepare(t, src, dst, dirtier(), nil)
	var rec recorder
	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress); err != nil {
		t.Fatal(err)
	}
	final := rec.last(t)
	if final.Elapsed != 2*time.Second || final.Downtime != 0 || final.Paused {
		t.Errorf("final %+v, want one 2s pass, no downtime, not paused by the migration", final)
	}
	if p := power(t, dst, uuid1); p != virt.PowerPaused {
		t.Errorf("destination guest %s, want paused", p)
	}
}

// Dirty rate changes reach a running migration: a guest that turns idle
// converges at the end of the pass in flight.
func TestDirtyRateChangeAffectsRunningMigration(t *testing.T) {
	src, dst := newPair(t, nil)
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)
	rec := recorder{react: once(func(s virt.JobStats) bool { return s.Elapsed >= 100*time.Second }, func() {
		if err := src.SetDirtyRate(uuid1, 0); err != nil {
			t.Error(err)
		}
	})}
	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress); err != nil {
		t.Fatal(err)
	}
	// Passes last 2 s. The one ending at 100 s leaves 2 GiB dirty and the
	// next begins before the 100 s tick sets the rate to 0: it re-sends
	// those 2 GiB by 102 s and leaves nothing.
	if final := rec.last(t); final.Elapsed != 102*time.Second || final.MemoryIteration != 51 {
		t.Errorf("completed at %s after %d passes, want 102s and 51", final.Elapsed, final.MemoryIteration)
	}
}

func TestLiveMigrationRejectsBadRequests(t *testing.T) {
	src, dst := newPair(t, nil)
	ctx := context.Background()
	spawn(t, src, spec(2048, 16))

	if err := src.LiveMigration(ctx, "nope", "dst", virt.LiveMigrateData{}, nil); !errors.Is(err, virt.ErrInstanceNotFound) {
		t.Errorf("unknown guest: %v", err)
	}
	if err := src.LiveMigration(ctx, uuid1, "src", virt.LiveMigrateData{}, nil); !errors.Is(err, virt.ErrInvalidInput) {
		t.Errorf("to itself: %v", err)
	}
	if err := src.LiveMigration(ctx, uuid1, "dst", virt.LiveMigrateData{DestHost: "other"}, nil); !errors.Is(err, virt.ErrInvalidInput) {
		t.Errorf("data for another host: %v", err)
	}
	var merr *virt.MigrationError
	if err := src.LiveMigration(ctx, uuid1, "nowhere", virt.LiveMigrateData{}, nil); !errors.As(err, &merr) || !contains(err.Error(), "nowhere") {
		t.Errorf("unknown destination: %v", err)
	}
	// Without pre_live_migration on the destination there is nothing to
	// migrate into; the guest is left as it was.
	if err := src.LiveMigration(ctx, uuid1, "dst", virt.LiveMigrateData{}, nil); !errors.Is(err, virt.ErrInstanceNotFound) || !contains(err.Error(), "PreLiveMigration") {
		t.Errorf("unprepared destination: %v", err)
	}
	if info, _ := src.Guest(uuid1); info.Migrating || info.Power != virt.PowerRunning {
		t.Errorf("guest after a refused migration: %+v", info)
	}
	// A destination prepared for a different flavor is refused.
	other := spec(4096, 16)
	if _, err := dst.PreLiveMigration(ctx, other, virt.LiveMigrateData{}); err != nil {
		t.Fatal(err)
	}
	if err := src.LiveMigration(ctx, uuid1, "dst", virt.LiveMigrateData{}, nil); !errors.Is(err, virt.ErrInvalidState) || !contains(err.Error(), "4096") {
		t.Errorf("mismatched destination: %v", err)
	}
	if err := src.Destroy(ctx, uuid1); err != nil {
		t.Errorf("guest still locked by a refused migration: %v", err)
	}
}
