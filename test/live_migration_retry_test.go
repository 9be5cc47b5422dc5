package test

import (
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/conductor"
)

// retryHosts is a source on shared storage and, in the weighers' order,
// a destination with an older hypervisor (refused by the conductor), one
// on the source's shared storage (refused by the computes' checks for a
// block migration), and, when good is set, one that can take the
// instance.
func retryHosts(t *testing.T, c *lmCloud, good bool) {
	t.Helper()
	c.addHost(t, "cmp1", lmHost{sharedStorage: "nas"})
	c.addHost(t, "cmp-old", lmHost{size: scaledHost(8), hypervisorVersion: 999999})
	c.addHost(t, "cmp-shared", lmHost{size: scaledHost(4), sharedStorage: "nas"})
	if good {
		c.addHost(t, "cmp-ok", lmHost{})
	}
}

// A block migration the scheduler places skips each destination that
// fails a check, releasing the claim the scheduler made there, and asks
// again without it, until one passes: the timeline shows the three
// scheduling rounds and the refused check, and nothing is left held on
// the refused hosts.
func TestLiveMigrationSchedulerRetries(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	retryHosts(t, c, true)
	inst := c.activeOn(t, "cmp1")
	uuid := inst.UUID.Get()
	block := true
	ctx, m, err := c.migrateServerArgs(t, conductor.LiveMigrateInstanceArgs{InstanceUUID: uuid, BlockMigration: &block})
	if err != nil {
		t.Fatal(err)
	}
	if m.DestCompute.Get() != "cmp-ok" {
		t.Fatalf("migration bound for %s, want cmp-ok", m.DestCompute.Get())
	}
	done := c.awaitFinalMigration(t, uuid)
	if done.Status.Get() != objects.MigrationCompleted {
		t.Fatalf("migration %s", asJSONObj(t, done))
	}
	c.expectMigrated(t, inst, "cmp1", "cmp-ok", done)

	evs, err := c.store.Actions.Events(objCtx(t), uuid, requestOf(ctx))
	if err != nil {
		t.Fatal(err)
	}
	type step struct{ event, host, result string }
	want := []step{
		{conductor.EventMigrateServer, lmConductor, objects.EventResultSuccess},
		{conductor.EventScheduleInstances, lmConductor, objects.EventResultSuccess}, // cmp-old, refused by the conductor
		{conductor.EventScheduleInstances, lmConductor, objects.EventResultSuccess}, // cmp-shared
		{compute.EventCheckCanLiveMigrateDestination, "cmp-shared", objects.EventResultError},
		{compute.EventCheckCanLiveMigrateSource, "cmp1", objects.EventResultError},
		{conductor.EventScheduleInstances, lmConductor, objects.EventResultSuccess}, // cmp-ok
		{compute.EventCheckCanLiveMigrateDestination, "cmp-ok", objects.EventResultSuccess},
		{compute.EventCheckCanLiveMigrateSource, "cmp1", objects.EventResultSuccess},
	}
	if len(evs) < len(want) {
		t.Fatalf("events: %s", eventNames(evs))
	}
	for i, w := range want {
		if e := evs[i]; e.Event.Get() != w.event || e.Host.Get() != w.host || e.Result.Get() != w.result {
			t.Errorf("event %d: %s; want %+v", i, asJSONObj(t, e), w)
		}
	}
	if d := evs[3].Details.Get(); !strings.Contains(d, "block migration cannot be used with shared storage") {
		t.Errorf("refused check's details: %q", d)
	}
	for _, h := range []string{"cmp-old", "cmp-shared"} {
		c.awaitNode(t, h, "nothing counted on "+h, func(cn *objects.ComputeNode) bool { return cn.RunningVMs.Get() == 0 })
	}
}

// With migrate_max_retries 1 the task tries two destinations and then
// gives up with MaxRetriesExceeded (a NoValidHost), leaving the instance
// active on its source and nothing held on the hosts it tried.
func TestLiveMigrationMaxRetries(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1, maxRetries: new(1)})
	retryHosts(t, c, true)
	inst := c.activeOn(t, "cmp1")
	block := true
	ctx, _, err := c.migrateServerArgs(t, conductor.LiveMigrateInstanceArgs{InstanceUUID: inst.UUID.Get(), BlockMigration: &block})
	expectRefused(t, c, ctx, inst, err, objects.VMStateActive, 1, "Exceeded max scheduling retries 1")
	if asError[*exception.MaxRetriesExceeded](err) == nil || asError[*exception.NoValidHost](err) == nil {
		t.Errorf("error %v (%T) is not a MaxRetriesExceeded that is a NoValidHost", err, err)
	}
}

// With unlimited retries the hosts run out: each refused host joins
// ignore_hosts, and the scheduler ends it with NoValidHost.
func TestLiveMigrationRetriesRunOut(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	retryHosts(t, c, false)
	inst := c.activeOn(t, "cmp1")
	block := true
	ctx, _, err := c.migrateServerArgs(t, conductor.LiveMigrateInstanceArgs{InstanceUUID: inst.UUID.Get(), BlockMigration: &block})
	expectRefused(t, c, ctx, inst, err, objects.VMStateActive, 1, "No valid host was found.")
	evs, _ := c.store.Actions.Events(objCtx(t), inst.UUID.Get(), requestOf(ctx))
	n := 0
	for _, e := range evs {
		if e.Event.Get() == conductor.EventScheduleInstances {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d scheduling rounds for two destinations, want 3 (the last finding none): %s", n, eventNames(evs))
	}
}

// A named destination whose computes refuse the migration is refused with
// their MigrationPreCheckError, as nova's: the instance stays, the claim
// on the destination goes.
func TestLiveMigrationDestinationCheckFails(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	retryHosts(t, c, false)
	inst := c.activeOn(t, "cmp1")
	block := true
	ctx, _, err := c.migrateServerArgs(t, conductor.LiveMigrateInstanceArgs{InstanceUUID: inst.UUID.Get(), Host: "cmp-shared", BlockMigration: &block})
	expectRefused(t, c, ctx, inst, err, objects.VMStateActive, 1, "block migration cannot be used with shared storage")
	if e := asError[*virt.MigrationPreCheckError](err); e == nil || e.Host != "cmp1" {
		t.Errorf("refusal %#v, want the source's MigrationPreCheckError", e)
	}
}
