package sim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/novanats/novanats/services/compute/virt"
)

func TestFailSpawnIsOneShot(t *testing.T) {
	src, _ := newPair(t, nil)
	ctx := context.Background()
	src.FailSpawn("someone-else", nil)
	src.FailSpawn(uuid1, nil)
	err := src.Spawn(ctx, spec(1024, 0))
	if !errors.Is(err, ErrInjected) || !contains(err.Error(), uuid1) || !contains(err.Error(), "src") {
		t.Fatalf("err = %v, want the injected fault naming guest and host", err)
	}
	if ids, _ := src.ListInstances(); len(ids) != 0 {
		t.Errorf("a failed spawn created %v", ids)
	}
	if err := src.Spawn(ctx, spec(1024, 0)); err != nil {
		t.Errorf("second attempt: %v (the fault should be spent, and the other guest's fault not match)", err)
	}
	boom := errors.New("no space left on device")
	src.FailSpawn("", boom)
	g := spec(1024, 0)
	g.UUID = "22222222-2222-2222-2222-222222222222"
	if err := src.Spawn(ctx, g); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the given error", err)
	}
}

func TestFailPreLiveMigrationIsOneShot(t *testing.T) {
	src, dst := newPair(t, nil)
	ctx := context.Background()
	g := spec(2048, 16)
	spawn(t, src, g)
	dst.FailPreLiveMigration("someone-else", nil)
	dst.FailPreLiveMigration(uuid1, nil)

	_, err := dst.PreLiveMigration(ctx, g, virt.LiveMigrateData{})
	if !errors.Is(err, ErrInjected) || !contains(err.Error(), uuid1) || !contains(err.Error(), "dst") {
		t.Fatalf("err = %v, want the injected fault naming guest and host", err)
	}
	if got := virt.MigrationStatusFor(err); got != virt.MigrationStatusError {
		t.Errorf("status %s, want error", got)
	}
	if ids, _ := dst.ListInstances(); len(ids) != 0 {
		t.Errorf("a failed pre_live_migration prepared %v", ids)
	}
	if _, err := dst.PreLiveMigration(ctx, g, virt.LiveMigrateData{}); err != nil {
		t.Errorf("second attempt: %v (the fault should be spent, and the other guest's fault not match)", err)
	}
}

func TestFailPreLiveMigrationCustomError(t *testing.T) {
	_, dst := newPair(t, nil)
	boom := errors.New("vif plugging timed out")
	dst.FailPreLiveMigration("", boom)
	if _, err := dst.PreLiveMigration(context.Background(), spec(1024, 0), virt.LiveMigrateData{}); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the given error", err)
	}
}

// The link drops once 3 GiB were sent: 1 GiB into the second 2 GiB pass,
// at 3 s. The guest keeps running on the source.
func TestDropLinkInPreCopy(t *testing.T) {
	src, dst := newPair(t, nil)
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)
	if err := src.DropLink(uuid1, Trigger{AfterBytes: 3 * 1024 * mib}); err != nil {
		t.Fatal(err)
	}

	err := src.LiveMigration(context.Background(), uuid1, "dst", data, nil)
	var merr *virt.MigrationError
	if !errors.As(err, &merr) || !errors.Is(err, ErrLinkDown) || merr.GuestLost || merr.PostCopy {
		t.Fatalf("err = %v, want a pre-copy MigrationError for the link", err)
	}
	if got := virt.MigrationStatusFor(err); got != virt.MigrationStatusError {
		t.Errorf("status %s, want error", got)
	}
	s, _ := src.LiveMigrationStats(uuid1)
	if s.Phase != virt.PhaseFailed || s.DataProcessed != 3*1024*mib || s.Elapsed != 3*time.Second {
		t.Errorf("stats %+v, want failed at 3s after 3 GiB", s)
	}
	if info, _ := src.Guest(uuid1); info.Power != virt.PowerRunning || info.Migrating {
		t.Errorf("source guest %+v, want running and released", info)
	}
	if err := dst.RollbackLiveMigrationAtDestination(context.Background(), uuid1, data); err != nil {
		t.Errorf("rollback: %v", err)
	}
}

func TestZeroTriggerFiresAtOnce(t *testing.T) {
	src, dst := newPair(t, nil)
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)
	if err := src.DropLink("", Trigger{}); err != nil {
		t.Fatal(err)
	}
	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, nil); !errors.Is(err, ErrLinkDown) {
		t.Fatalf("err = %v", err)
	}
	if s, _ := src.LiveMigrationStats(uuid1); s.Elapsed != 0 || s.DataProcessed != 0 {
		t.Errorf("fired at %s after %d bytes, want at once", s.Elapsed, s.DataProcessed)
	}
}

// After the switch to post-copy a link drop is fatal: the destination runs
// the guest but cannot fetch its missing pages.
func TestDropLinkInPostCopyLosesTheGuest(t *testing.T) {
	src, dst := newPair(t, func(o *Options) { o.Migration.PermitPostCopy = true })
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)
	if err := src.DropLink(uuid1, Trigger{At: 1500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	// Switch at the 0.5 s tick; pulling the rest would take until 2.5 s.
	rec := recorder{react: once(func(virt.JobStats) bool { return true }, func() {
		if err := src.LiveMigrationForceComplete(uuid1); err != nil {
			t.Error(err)
		}
	})}

	err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress)
	var merr *virt.MigrationError
	if !errors.As(err, &merr) || !merr.PostCopy || !merr.GuestLost || !errors.Is(err, ErrLinkDown) {
		t.Fatalf("err = %v, want a post-copy MigrationError losing the guest", err)
	}
	if final := rec.last(t); final.Phase != virt.PhaseFailed || final.Elapsed != 1500*time.Millisecond {
		t.Errorf("final %+v", final)
	}
	if p := power(t, src, uuid1); p != virt.PowerCrashed {
		t.Errorf("source guest %s, want crashed", p)
	}
	if p := power(t, dst, uuid1); p != virt.PowerCrashed {
		t.Errorf("destination guest %s, want crashed", p)
	}
	// The crashed destination half can be rolled back.
	if err := dst.RollbackLiveMigrationAtDestination(context.Background(), uuid1, data); err != nil {
		t.Errorf("rollback: %v", err)
	}
}

func TestCrashSourceInPreCopy(t *testing.T) {
	src, dst := newPair(t, nil)
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)
	if err := src.CrashSource(uuid1, Trigger{At: time.Second}); err != nil {
		t.Fatal(err)
	}
	err := src.LiveMigration(context.Background(), uuid1, "dst", data, nil)
	var merr *virt.MigrationError
	if !errors.As(err, &merr) || !errors.Is(err, ErrSourceCrashed) || !merr.GuestLost || merr.PostCopy {
		t.Fatalf("err = %v, want MigrationError for the dead source process", err)
	}
	if !contains(err.Error(), "hard reboot") {
		t.Errorf("message %q should say the instance needs a hard reboot", err)
	}
	info, err := src.Guest(uuid1)
	if err != nil || info.Power != virt.PowerCrashed || info.Migrating {
		t.Errorf("source guest %+v, %v; want listed, crashed, released", info, err)
	}
	if info, _ := dst.Guest(uuid1); !info.Incoming || info.Power != virt.PowerPaused {
		t.Errorf("destination guest %+v, want the untouched incoming guest", info)
	}
}

func TestFaultsAreScopedToTheirGuest(t *testing.T) {
	src, dst := newPair(t, nil)
	spawn(t, src, spec(2048, 16))
	data := prepare(t, src, dst, spec(2048, 16), nil)
	if err := src.DropLink("someone-else", Trigger{}); err != nil {
		t.Fatal(err)
	}
	if err := src.CrashSource("someone-else", Trigger{}); err != nil {
		t.Fatal(err)
	}
	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, nil); err != nil {
		t.Errorf("another guest's fault fired: %v", err)
	}
}

func TestClearFaults(t *testing.T) {
	src, dst := newPair(t, nil)
	spawn(t, src, spec(2048, 16))
	if err := src.DropLink("", Trigger{}); err != nil {
		t.Fatal(err)
	}
	dst.FailPreLiveMigration("", nil)
	src.ClearFaults()
	dst.ClearFaults()
	data := prepare(t, src, dst, spec(2048, 16), nil)
	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, nil); err != nil {
		t.Errorf("cleared fault fired: %v", err)
	}
}

func TestTriggersRejectNegativeValues(t *testing.T) {
	src, _ := newPair(t, nil)
	for _, tr := range []Trigger{{AfterBytes: -1}, {At: -time.Second}} {
		if err := src.DropLink("", tr); !errors.Is(err, virt.ErrInvalidInput) {
			t.Errorf("DropLink(%+v) = %v", tr, err)
		}
		if err := src.CrashSource("", tr); !errors.Is(err, virt.ErrInvalidInput) {
			t.Errorf("CrashSource(%+v) = %v", tr, err)
		}
	}
}

func TestDetachedDestinationFailsTheMigration(t *testing.T) {
	src, dst := newPair(t, nil)
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)
	rec := recorder{react: once(func(s virt.JobStats) bool { return s.Elapsed >= time.Second }, dst.Detach)}
	err := src.LiveMigration(context.Background(), uuid1, "dst", data, rec.progress)
	if !errors.Is(err, ErrLinkDown) || !contains(err.Error(), "dst left the migration fabric") {
		t.Fatalf("err = %v, want the link lost to the detached host", err)
	}
	if final := rec.last(t); final.Elapsed != 1500*time.Millisecond {
		t.Errorf("failed at %s, want the next step after the 1s tick: 1.5s", final.Elapsed)
	}
	if p := power(t, src, uuid1); p != virt.PowerRunning {
		t.Errorf("source guest %s", p)
	}
	var merr *virt.MigrationError
	if err := src.LiveMigration(context.Background(), uuid1, "dst", data, nil); !errors.As(err, &merr) || !contains(err.Error(), "not reachable") {
		t.Errorf("migration to a detached host: %v", err)
	}
	// The host name is free for a restarted service.
	newHost(t, "dst", src.fabric, src.Clock(), nil)
}
