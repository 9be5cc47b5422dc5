package test

import (
	"context"
	"fmt"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor"
)

// A live migration the scheduler places (live_migrate_instance, a cast):
// the instance ends active on the other host, its guest runs there and
// not on the source, its usage moved with it in the ComputeNodes and in
// placement, the migration consumer holds nothing, and the action's
// timeline shows every step, by the service and host that ran it.
func TestLiveMigrationSchedulerChosen(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 2})
	c.addHost(t, "cmp1", lmHost{})
	c.addHost(t, "cmp2", lmHost{})
	inst := c.activeOn(t, "cmp1")
	uuid := inst.UUID.Get()

	ctx := apiContext(t)
	if err := c.tasks.LiveMigrateInstance(ctx, conductor.LiveMigrateInstanceArgs{InstanceUUID: uuid}); err != nil {
		t.Fatal(err)
	}
	m := c.awaitFinalMigration(t, uuid)
	if m.Status.Get() != objects.MigrationCompleted || m.SourceCompute.Get() != "cmp1" || m.SourceNode.Get() != "cmp1" ||
		m.DestCompute.Get() != "cmp2" || m.DestNode.Get() != "cmp2" || !m.IsLiveMigration() {
		t.Fatalf("migration %s", asJSONObj(t, m))
	}
	c.expectMigrated(t, inst, "cmp1", "cmp2", m)
	c.expectTimeline(t, ctx, uuid, conductor.EventLiveMigrateInstance, "cmp1", "cmp2", true)
}

// With a destination named, forced (no scheduler, a direct claim) or
// not (the scheduler checks and claims it), migrate_server answers with
// the Migration bound for it, and the migration completes there although
// the scheduler, left to itself, would pick another host.
func TestLiveMigrationHostGiven(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	c.addHost(t, "cmp1", lmHost{})
	c.addHost(t, "cmp-small", lmHost{})
	// The weighers prefer the big host: a migration that ends on
	// cmp-small went where it was told.
	c.addHost(t, "cmp-big", lmHost{size: scaledHost(4)})
	for _, force := range []bool{false, true} {
		t.Run(fmt.Sprintf("force=%v", force), func(t *testing.T) {
			inst := c.activeOn(t, "cmp1")
			ctx, m, err := c.migrateServer(t, inst, "cmp-small", force)
			if err != nil {
				t.Fatal(err)
			}
			if m == nil || m.InstanceUUID.Get() != inst.UUID.Get() || m.DestCompute.Get() != "cmp-small" || m.DestNode.Get() != "cmp-small" ||
				m.SourceCompute.Get() != "cmp1" || m.Status.Get() != objects.MigrationAccepted || !m.IsLiveMigration() {
				t.Fatalf("migrate_server answered %v", m)
			}
			done := c.awaitFinalMigration(t, inst.UUID.Get())
			if done.Status.Get() != objects.MigrationCompleted || done.UUID.Get() != m.UUID.Get() {
				t.Fatalf("migration %s", asJSONObj(t, done))
			}
			c.expectMigrated(t, inst, "cmp1", "cmp-small", done)
			c.expectTimeline(t, ctx, inst.UUID.Get(), conductor.EventMigrateServer, "cmp1", "cmp-small", !force)
		})
	}
}

// finalStatuses are the Migration statuses a live migration ends in.
var finalStatuses = map[objects.MigrationStatus]bool{
	objects.MigrationCompleted: true, objects.MigrationFailed: true,
	objects.MigrationError: true, objects.MigrationCancelled: true,
}

// awaitFinalMigration waits until the instance's newest Migration is in
// a final status and the instance has no task left, and returns it.
func (c *lmCloud) awaitFinalMigration(t *testing.T, instanceUUID string) *objects.Migration {
	t.Helper()
	var got *objects.Migration
	c.await(t, "migrations", "", "migration of "+instanceUUID+" final", func() (bool, string) {
		all, err := c.store.Migrations.List(context.Background())
		if err != nil {
			return false, err.Error()
		}
		got = nil
		for _, m := range all {
			if m.InstanceUUID.Get() == instanceUUID && (got == nil || m.ID.Get() > got.ID.Get()) {
				got = m
			}
		}
		if got == nil {
			return false, "no migration yet"
		}
		return finalStatuses[got.Status.Get()], asJSONObj(t, got)
	})
	c.awaitInstance(t, instanceUUID, "no task after the migration", func(i *objects.Instance) bool {
		return i != nil && i.TaskState.IsNull()
	})
	return got
}

// expectMigrated checks an instance that moved from src to dst: active
// and running on dst with no task, its guest on dst's hypervisor only,
// both nodes' usage counting it where it is now, and placement holding it
// on dst alone, with nothing left for the migration consumer.
func (c *lmCloud) expectMigrated(t *testing.T, inst *objects.Instance, src, dst string, m *objects.Migration) {
	t.Helper()
	uuid := inst.UUID.Get()
	got, err := c.store.Instances.Get(objCtx(t), uuid)
	if err != nil {
		t.Fatal(err)
	}
	if got.Host.Get() != dst || got.Node.Get() != dst || got.VMState.Get() != objects.VMStateActive ||
		!got.TaskState.IsNull() || got.PowerState.Get() != objects.PowerRunning {
		t.Errorf("instance after the migration: %s", asJSONObj(t, got))
	}
	if _, err := c.drivers[dst].Guest(uuid); err != nil {
		t.Errorf("no guest on %s: %v", dst, err)
	}
	if g, err := c.drivers[src].Guest(uuid); err == nil {
		t.Errorf("the guest is still on %s: %+v", src, g)
	}
	c.expectHeldOnlyOn(t, uuid, dst)
	if a, err := c.placement.Allocations(objCtx(t), m.UUID.Get()); err != nil || len(a) != 0 {
		t.Errorf("the migration consumer holds %s (%v)", allocString(a), err)
	}
	c.expectHostsCount(t)
}

// expectHostsCount checks every host's ComputeNode and placement
// provider against the active instances the store places on it.
func (c *lmCloud) expectHostsCount(t *testing.T) {
	t.Helper()
	all, err := c.store.Instances.List(objCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	byHost := map[string][]*objects.Instance{}
	for _, i := range all {
		if i.VMState.Get() == objects.VMStateActive {
			byHost[i.Host.Get()] = append(byHost[i.Host.Get()], i)
		}
	}
	// The resource tracker recounts on its periodic task, which runs on
	// the fake clock.
	c.clock.Advance(c.computeConfig("").UpdateResourcesInterval)
	c.expectUsage(t, byHost)
}

// expectTimeline checks the action of the request: "live-migration", and
// its events in the order they started, each finished with Success on
// the host that ran it: the conductor's, its scheduling (when the
// scheduler was asked), the destination's and the source's checks, the
// source's migration, the destination's preparation and its post step.
func (c *lmCloud) expectTimeline(t *testing.T, ctx context.Context, uuid, conductorEvent, src, dst string, scheduled bool) {
	t.Helper()
	c.awaitEvent(t, ctx, uuid, compute.EventLiveMigration)
	a, err := c.store.Actions.Get(objCtx(t), uuid, requestOf(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if a.Action.Get() != objects.ActionLiveMigration || a.Message.Get() != "" || a.UserID.Get() != "user-1" || a.ProjectID.Get() != "project-1" {
		t.Errorf("action %s", asJSONObj(t, a))
	}
	evs, err := c.store.Actions.Events(objCtx(t), uuid, requestOf(ctx))
	if err != nil {
		t.Fatal(err)
	}
	type step struct{ event, host string }
	want := []step{{conductorEvent, lmConductor}}
	if scheduled {
		want = append(want, step{conductor.EventScheduleInstances, lmConductor})
	}
	want = append(want,
		step{compute.EventCheckCanLiveMigrateDestination, dst},
		step{compute.EventCheckCanLiveMigrateSource, src},
		step{compute.EventLiveMigration, src},
		step{compute.EventPreLiveMigration, dst},
		step{compute.EventPostLiveMigrationAtDestination, dst},
	)
	if len(evs) != len(want) {
		t.Fatalf("events: %s; want %v", eventNames(evs), want)
	}
	for i, w := range want {
		e := evs[i]
		if e.Event.Get() != w.event || e.Host.Get() != w.host || e.Result.Get() != objects.EventResultSuccess ||
			e.ActionID.Get() != a.ID.Get() || !e.FinishTime.IsSet() || e.FinishTime.Get().Before(e.StartTime.Get()) {
			t.Errorf("event %d: %s; want %s on %s, Success", i, asJSONObj(t, e), w.event, w.host)
		}
	}
}
