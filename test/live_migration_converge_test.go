package test

import (
	"slices"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
)

// A guest that dirties memory faster than the link copies it never
// converges by pre-copy alone. Each way nova ends such a migration,
// started through the conductor: the completion timeout's abort (the
// instance stays, the migration failed), its force_complete with
// post-copy, an operator's force-complete (the guest is paused for the
// last pass), and auto-converge (the guest's vCPUs are throttled). The
// last three complete on the destination.
func TestLiveMigrationNonConverging(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	// live_migration_completion_timeout is per GiB: 1 s for the 2 GiB
	// guest (and its 20 GB disk) is soon over.
	c.addHost(t, "src-timeout", lmHost{migration: func(m *virt.MigrationConfig) {
		m.CompletionTimeout, m.TimeoutAction = 1, virt.TimeoutActionAbort
	}})
	c.addHost(t, "src-postcopy", lmHost{migration: func(m *virt.MigrationConfig) {
		m.CompletionTimeout, m.TimeoutAction, m.PermitPostCopy = 1, virt.TimeoutActionForceComplete, true
	}})
	c.addHost(t, "src-force", lmHost{migration: func(m *virt.MigrationConfig) { m.CompletionTimeout = 0 }})
	c.addHost(t, "src-auto", lmHost{migration: func(m *virt.MigrationConfig) {
		m.CompletionTimeout, m.PermitAutoConverge = 0, true
	}})
	c.addHost(t, "dst", lmHost{size: scaledHost(4)})
	log := c.recordMigrations(t)

	migrate := func(t *testing.T, src string) (*objects.Instance, *objects.Migration) {
		t.Helper()
		inst := c.activeOn(t, src)
		c.nonConverging(t, src, inst)
		_, m, err := c.migrateServer(t, inst, "dst", true)
		if err != nil {
			t.Fatal(err)
		}
		return inst, m
	}
	completed := func(t *testing.T, src string, inst *objects.Instance, m *objects.Migration, postCopy bool) {
		t.Helper()
		done := c.awaitFinalMigration(t, inst.UUID.Get())
		if done.Status.Get() != objects.MigrationCompleted {
			t.Fatalf("migration %s", asJSONObj(t, done))
		}
		c.expectMigrated(t, inst, src, "dst", done)
		if got := slices.Contains(log.statuses(m.UUID.Get()), objects.MigrationPostCopy); got != postCopy {
			t.Errorf("statuses %v: post-copy %v, want %v", log.statuses(m.UUID.Get()), got, postCopy)
		}
	}

	t.Run("completion timeout aborts", func(t *testing.T) {
		inst, _ := migrate(t, "src-timeout")
		done := c.awaitFinalMigration(t, inst.UUID.Get())
		if done.Status.Get() != objects.MigrationFailed {
			t.Fatalf("migration %s, want failed (the timeout gave up)", asJSONObj(t, done))
		}
		c.expectStayed(t, inst, "src-timeout", "dst", done)
	})
	t.Run("completion timeout forces post-copy", func(t *testing.T) {
		inst, m := migrate(t, "src-postcopy")
		completed(t, "src-postcopy", inst, m, true)
	})
	t.Run("operator force-complete pauses", func(t *testing.T) {
		inst, m := migrate(t, "src-force")
		c.awaitMigrationStatus(t, inst.UUID.Get(), objects.MigrationRunning)
		ctx := c.forceComplete(t, inst, m)
		if ev := c.awaitEvent(t, ctx, inst.UUID.Get(), compute.EventLiveMigrationForceComplete); ev.Result.Get() != objects.EventResultSuccess {
			t.Errorf("force-complete event %s", asJSONObj(t, ev))
		}
		completed(t, "src-force", inst, m, false)
	})
	t.Run("auto-converge", func(t *testing.T) {
		inst, m := migrate(t, "src-auto")
		completed(t, "src-auto", inst, m, false)
	})
}
