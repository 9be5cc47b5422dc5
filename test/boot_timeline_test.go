package test

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor"
)

// The "create" action of a boot is its timeline, as `server event list`
// shows it: the conductor's own step, the scheduling it did around
// select_destinations, and the compute's build, in the order they
// started, each finished with its result and the host that ran it.
func TestBootActionTimeline(t *testing.T) {
	c := startBootCloud(t, bootOptions{schedulers: 1})
	c.addCompute(t, "cmp1", scaledHost(1))

	r := buildRequest(bootFlavor())
	ctx := c.boot(t, r)
	c.awaitEvent(t, ctx, r.InstanceUUID, compute.EventBuildAndRunInstance)

	a, err := c.store.Actions.Get(ctx, r.InstanceUUID, requestOf(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if a.Action.Get() != conductor.ActionCreate || a.UserID.Get() != "user-1" || a.ProjectID.Get() != "project-1" ||
		a.InstanceUUID.Get() != r.InstanceUUID || a.Message.Get() != "" || !a.StartTime.IsSet() {
		t.Errorf("action %s", asJSONObj(t, a))
	}
	evs, err := c.store.Actions.Events(ctx, r.InstanceUUID, requestOf(ctx))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ event, host string }{
		{conductor.EventScheduleAndBuildInstances, bootConductor},
		{conductor.EventScheduleInstances, bootConductor},
		{compute.EventBuildAndRunInstance, "cmp1"},
	}
	if len(evs) != len(want) {
		t.Fatalf("events: %s; want %v", eventNames(evs), want)
	}
	for i, w := range want {
		e := evs[i]
		if e.Event.Get() != w.event || e.Host.Get() != w.host || e.Result.Get() != objects.EventResultSuccess ||
			e.ActionID.Get() != a.ID.Get() || !e.StartTime.IsSet() || !e.FinishTime.IsSet() || e.FinishTime.Get().Before(e.StartTime.Get()) ||
			e.Details.Get() != "" || e.Traceback.Get() != "" {
			t.Errorf("event %d: %s; want %s on %s, Success", i, asJSONObj(t, e), w.event, w.host)
		}
	}
	inst, err := c.store.Instances.Get(ctx, r.InstanceUUID)
	if err != nil || inst.VMState.Get() != objects.VMStateActive || inst.Host.Get() != "cmp1" {
		t.Errorf("instance after its timeline ended: %v (%v)", inst, err)
	}
}

// The timeline of a boot no host can take ends at the conductor: both of
// its events finish with Error and the scheduler's reason, no compute
// step follows, and the action is marked Error.
func TestBootActionTimelineNoValidHost(t *testing.T) {
	c := startBootCloud(t, bootOptions{schedulers: 1})
	c.addCompute(t, "cmp1", scaledHost(1))

	r := buildRequest(bootFlavor())
	r.AvailabilityZone = "nowhere"
	ctx := c.boot(t, r)
	inst := c.awaitSettled(t, []string{r.InstanceUUID})[r.InstanceUUID]
	c.expectNoValidHost(t, ctx, inst, "'AvailabilityZoneFilter: (start: 1, end: 0)'")

	evs, err := c.store.Actions.Events(ctx, r.InstanceUUID, requestOf(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Event.Get() != conductor.EventScheduleAndBuildInstances || evs[1].Event.Get() != conductor.EventScheduleInstances {
		t.Fatalf("events: %s; want the conductor's two only", eventNames(evs))
	}
	for _, e := range evs {
		if e.Host.Get() != bootConductor || !e.FinishTime.IsSet() ||
			!contains(e.Details.Get(), "AvailabilityZoneFilter") || !contains(e.Traceback.Get(), "No valid host was found.") {
			t.Errorf("event %s", asJSONObj(t, e))
		}
	}
	if a, err := c.store.Actions.Get(ctx, r.InstanceUUID, requestOf(ctx)); err != nil || a.Message.Get() != "Error" {
		t.Errorf("action of the failed boot: %v (%v)", a, err)
	}
}
