package test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/conductor"
)

// busy is a Migration status of a migration that holds one of its
// source's max_concurrent_live_migrations slots.
func busy(st objects.MigrationStatus) bool {
	return st == objects.MigrationPreparing || st == objects.MigrationRunning || st == objects.MigrationPostCopy
}

// Five migrations from a host that runs one at a time
// (max_concurrent_live_migrations = 1, nova's default): the first does not
// converge and holds the slot while the other four queue behind it; once
// it is forced to complete the others follow one by one. In the store's
// own record of every change, never more than one is past queued and not
// finished, and they complete in the order they were asked for.
func TestLiveMigrationOneAtATimeInOrder(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	c.addHost(t, "cmp1", lmHost{
		migration: func(m *virt.MigrationConfig) { m.CompletionTimeout = 0 },
	})
	c.addHost(t, "cmp2", lmHost{size: scaledHost(2)})
	c.addHost(t, "cmp3", lmHost{size: scaledHost(2)})
	log := c.recordMigrations(t)
	var insts []*objects.Instance
	for range 5 {
		insts = append(insts, c.activeOn(t, "cmp1"))
	}
	c.nonConverging(t, "cmp1", insts[0])

	var migs []*objects.Migration
	for _, inst := range insts {
		_, m, err := c.migrateServer(t, inst, "", false)
		if err != nil {
			t.Fatal(err)
		}
		migs = append(migs, m)
	}
	c.awaitMigrationStatus(t, insts[0].UUID.Get(), objects.MigrationRunning)
	for _, inst := range insts[1:] {
		c.awaitMigrationStatus(t, inst.UUID.Get(), objects.MigrationQueued)
	}
	if st := c.computes["cmp1"].Manager().LiveMigrations(); st.Running != 1 || st.Queued != 4 {
		t.Fatalf("cmp1 runs %d and queues %d, want 1 and 4", st.Running, st.Queued)
	}
	cur, err := c.store.Instances.Get(objCtx(t), insts[0].UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	ctx := c.newAction(t, insts[0].UUID.Get(), objects.ActionLiveMigrationForceComplete)
	if err := c.api.LiveMigrationForceComplete(ctx, cur, migs[0]); err != nil {
		t.Fatal(err)
	}
	for _, inst := range insts {
		if m := c.awaitFinalMigration(t, inst.UUID.Get()); m.Status.Get() != objects.MigrationCompleted {
			t.Fatalf("migration %s", asJSONObj(t, m))
		}
	}

	// Replay the store's changes: status by migration, the slots in use
	// after each change, and the order of completion.
	status := map[string]objects.MigrationStatus{}
	var completed []string
	peak := 0
	for _, m := range log.snapshot() {
		u, st := m.UUID.Get(), m.Status.Get()
		if st == objects.MigrationCompleted && status[u] != st {
			completed = append(completed, u)
		}
		status[u] = st
		n := 0
		for _, s := range status {
			if busy(s) {
				n++
			}
		}
		peak = max(peak, n)
	}
	if peak != 1 {
		t.Errorf("%d migrations held a slot at once, want 1", peak)
	}
	var want []string
	for _, m := range migs {
		want = append(want, m.UUID.Get())
	}
	if !slices.Equal(completed, want) {
		t.Errorf("completion order %v, want the request order %v", completed, want)
	}
	// The executor frees a slot after the migration's final status is
	// saved, so only its peak is settled here.
	if st := c.computes["cmp1"].Manager().LiveMigrations(); st.Peak != 1 {
		t.Errorf("cmp1's executor ran %d migrations at once, want 1", st.Peak)
	}
	c.expectHostsCount(t)
}

// A hundred migrations at once across ten hosts, each placed by one of two
// schedulers: every one reaches a final status, no instance is lost or
// doubled (one record, one guest, one allocation each), and the usage
// counted in the ComputeNodes and in placement is what it was, a hundred
// instances, however they are now spread.
func TestLiveMigrationHundredAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("a hundred migrations: not with -short")
	}
	c := startLMCloud(t, lmOptions{schedulers: 2})
	var hosts []string
	for i := range 10 {
		h := fmt.Sprintf("cmp%02d", i)
		hosts = append(hosts, h)
		// Shared storage: memory alone is copied, which keeps a
		// hundred migrations' virtual time short; and progress is not
		// reported on the way, which keeps their writes few.
		c.addHost(t, h, lmHost{sharedStorage: "nas", adjust: func(cfg *compute.Config) { cfg.LiveMigrationStatsInterval = time.Hour }})
	}
	var insts []*objects.Instance
	for _, h := range hosts {
		insts = append(insts, c.activeOnMany(t, h, 10)...)
	}
	log := c.recordMigrations(t)
	var wg sync.WaitGroup
	for _, inst := range insts {
		wg.Go(func() {
			if err := c.tasks.LiveMigrateInstance(apiContext(t), conductor.LiveMigrateInstanceArgs{InstanceUUID: inst.UUID.Get()}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	want := map[string]bool{}
	for _, inst := range insts {
		want[inst.UUID.Get()] = true
	}
	byStatus := map[objects.MigrationStatus]int{}
	log.await(t, 2*time.Minute, "100 migrations final", func() (bool, string) {
		clear(byStatus)
		final := 0
		for _, m := range log.latest() {
			if want[m.InstanceUUID.Get()] {
				byStatus[m.Status.Get()]++
				if finalStatuses[m.Status.Get()] {
					final++
				}
			}
		}
		return final == len(insts), fmt.Sprintf("%v", byStatus)
	})
	if n := byStatus[objects.MigrationCompleted]; n < len(insts)/2 {
		t.Errorf("only %d of %d migrations completed: %v", n, len(insts), byStatus)
	}
	t.Logf("outcomes: %v", byStatus)
	c.await(t, "instances", "", "no instance has a task left", func() (bool, string) {
		all, err := c.store.Instances.List(context.Background())
		if err != nil {
			return false, err.Error()
		}
		busy := 0
		for _, i := range all {
			if !i.TaskState.IsNull() {
				busy++
			}
		}
		return busy == 0, fmt.Sprintf("%d instances with a task", busy)
	})

	all, err := c.store.Instances.List(objCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(insts) {
		t.Errorf("%d instance records, want %d", len(all), len(insts))
	}
	for _, i := range all {
		u := i.UUID.Get()
		if i.VMState.Get() != objects.VMStateActive {
			t.Errorf("instance %s: %s", u, asJSONObj(t, i))
		}
		var on []string
		for h, d := range c.drivers {
			if _, err := d.Guest(u); err == nil {
				on = append(on, h)
			}
		}
		if len(on) != 1 || on[0] != i.Host.Get() {
			t.Errorf("instance %s is on %s per the store, its guest on %v", u, i.Host.Get(), on)
		}
	}
	provs, err := c.placement.List(objCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var used placement.Resources
	for _, p := range provs {
		used = used.Add(p.Used())
	}
	if want := (placement.Resources{VCPU: 100 * flavorVCPUs, MemoryMB: 100 * flavorMemoryMB, DiskGB: 100 * flavorRootGB}); used != want {
		t.Errorf("placement holds %v in all, want %v", used, want)
	}
	c.expectHostsCount(t)
}
