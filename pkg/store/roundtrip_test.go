package store

import (
	"errors"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
)

func TestInstanceRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	inst := newInstance("cmp1")
	fl := new(objects.Flavor)
	fl.FlavorID.Set("m1.small")
	fl.Name.Set("m1.small")
	fl.MemoryMB.Set(2048)
	fl.VCPUs.Set(2)
	fl.ExtraSpecs.Set(map[string]string{"hw:cpu_policy": "dedicated"})
	inst.Flavor.Set(fl)
	inst.Metadata.Set(map[string]string{"k": "v"})
	if err := e.st.Instances.Create(ctx, inst); err != nil {
		t.Fatal(err)
	}
	mustNoChanges(t, inst)
	if !inst.ID.IsSet() || inst.ID.Get() < 1 {
		t.Fatalf("create assigned no id: %s", asJSON(t, inst))
	}
	if got, _ := inst.CreatedAt.Lookup(); !got.Equal(t0) {
		t.Fatalf("created_at = %v, want the store clock %v", got, t0)
	}
	if inst.Locked.Get() || !inst.Locked.IsSet() || !inst.Hidden.IsSet() {
		t.Fatalf("column defaults not filled: %s", asJSON(t, inst))
	}
	got, err := e.st.Instances.Get(ctx, inst.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	if a, b := asJSON(t, got), asJSON(t, inst); a != b {
		t.Fatalf("stored instance differs:\n got %s\nwant %s", a, b)
	}
	if got.Flavor.Get().ExtraSpecs.Get()["hw:cpu_policy"] != "dedicated" {
		t.Fatal("nested flavor lost")
	}
	mustNoChanges(t, got)

	other := newInstance("cmp1")
	if err := e.st.Instances.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	if other.ID.Get() == inst.ID.Get() {
		t.Fatalf("two instances got id %d", other.ID.Get())
	}

	e.clock.Advance(time.Minute)
	if err := e.st.Instances.Destroy(ctx, inst); err != nil {
		t.Fatal(err)
	}
	if !inst.Deleted.Get() || !inst.DeletedAt.Get().Equal(t0.Add(time.Minute)) {
		t.Fatalf("destroyed object not marked deleted: %s", asJSON(t, inst))
	}
	_, err = e.st.Instances.Get(ctx, inst.UUID.Get())
	var nf *exception.InstanceNotFound
	if !errors.As(err, &nf) || nf.InstanceID != inst.UUID.Get() || !errors.Is(err, exception.ErrNotFound) {
		t.Fatalf("get after destroy: %v", err)
	}
	if err := e.st.Instances.Destroy(ctx, inst); !errors.As(err, &nf) {
		t.Fatalf("second destroy: %v", err)
	}
}

func TestMigrationRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	m := newMigration(newUUID(), "src", "dst")
	m.MemoryTotal.Set(4 << 30)
	if err := e.st.Migrations.Create(ctx, m); err != nil {
		t.Fatal(err)
	}
	mustNoChanges(t, m)
	byID, err := e.st.Migrations.Get(ctx, m.ID.Get())
	if err != nil {
		t.Fatal(err)
	}
	byUUID, err := e.st.Migrations.GetByUUID(ctx, m.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []*objects.Migration{byID, byUUID} {
		if a, b := asJSON(t, got), asJSON(t, m); a != b {
			t.Fatalf("stored migration differs:\n got %s\nwant %s", a, b)
		}
	}
	var nf *exception.MigrationNotFound
	if _, err := e.st.Migrations.Get(ctx, m.ID.Get()+100); !errors.As(err, &nf) {
		t.Fatalf("get of a missing id: %v", err)
	}
	if _, err := e.st.Migrations.GetByUUID(ctx, newUUID()); !errors.As(err, &nf) {
		t.Fatalf("get of a missing uuid: %v", err)
	}
}

func TestComputeNodeRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	n := newComputeNode("cmp1")
	if err := e.st.ComputeNodes.Create(ctx, n); err != nil {
		t.Fatal(err)
	}
	got, err := e.st.ComputeNodes.GetByHostAndNodename(ctx, "cmp1", "cmp1-node")
	if err != nil {
		t.Fatal(err)
	}
	if a, b := asJSON(t, got), asJSON(t, n); a != b {
		t.Fatalf("stored node differs:\n got %s\nwant %s", a, b)
	}
	if _, err := e.st.ComputeNodes.GetByHost(ctx, "cmp2"); !errors.As(err, new(*exception.ComputeHostNotFound)) {
		t.Fatalf("GetByHost of an empty host: %v", err)
	}
	n.VCPUsUsed.Set(4)
	n.MemoryMBUsed.Set(8192)
	if err := e.st.ComputeNodes.Save(ctx, n); err != nil {
		t.Fatal(err)
	}
	got, _ = e.st.ComputeNodes.Get(ctx, n.UUID.Get())
	if got.VCPUsUsed.Get() != 4 || got.MemoryMBUsed.Get() != 8192 || got.RAMAllocationRatio.Get() != 1.5 {
		t.Fatalf("after save: %s", asJSON(t, got))
	}
}

func TestServiceRoundTripAndReports(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	sv := newService("cmp1.example.com", "nova-compute", "compute")
	got, err := e.st.Services.GetOrCreate(ctx, sv)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.st.Services.GetOrCreate(ctx, sv)
	if err != nil || again.ID.Get() != got.ID.Get() {
		t.Fatalf("second GetOrCreate: %v, id %d vs %d", err, again.ID.Get(), got.ID.Get())
	}
	if got.ReportCount.Get() != 0 || got.LastSeenUp.IsSet() && !got.LastSeenUp.IsNull() {
		t.Fatalf("fresh service: %s", asJSON(t, got))
	}
	cfg := testServiceGroup
	if IsUp(got, cfg, e.clock.Now()) {
		t.Fatal("a service that never reported is up")
	}
	e.clock.Advance(3 * time.Second)
	rep, err := e.st.Services.Report(ctx, "cmp1.example.com", "nova-compute")
	if err != nil {
		t.Fatal(err)
	}
	if rep.ReportCount.Get() != 1 || !rep.LastSeenUp.Get().Equal(t0.Add(3*time.Second)) {
		t.Fatalf("after a report: %s", asJSON(t, rep))
	}
	if !IsUp(rep, cfg, e.clock.Now()) {
		t.Fatal("down right after a report")
	}
	// A stale copy (report_count 0) reporting through Save still counts up.
	got.ReportCount.Set(got.ReportCount.Get() + 1)
	e.clock.Advance(time.Second)
	if err := e.st.Services.Save(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got.ReportCount.Get() != 2 || !got.LastSeenUp.Get().Equal(t0.Add(4*time.Second)) {
		t.Fatalf("report through Save: %s", asJSON(t, got))
	}
	// A save that does not touch report_count is no report.
	e.clock.Advance(time.Second)
	got.DisabledReason.Set("maintenance")
	if err := e.st.Services.Save(ctx, got); err != nil {
		t.Fatal(err)
	}
	if !got.LastSeenUp.Get().Equal(t0.Add(4 * time.Second)) {
		t.Fatalf("a plain save moved last_seen_up: %s", asJSON(t, got))
	}
	list, err := e.st.Services.ListByTopic(ctx, "compute")
	if err != nil || len(list) != 1 || list[0].Host.Get() != "cmp1.example.com" {
		t.Fatalf("ListByTopic = %v, %v", list, err)
	}
	if _, err := e.st.Services.Get(ctx, "cmp1.example.com", "nova-scheduler"); !errors.As(err, new(*exception.HostBinaryNotFound)) {
		t.Fatalf("get of another binary: %v", err)
	}
}

func TestInstanceActionsAndEvents(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	inst := newUUID()
	start := func(req string) *objects.InstanceAction {
		a := new(objects.InstanceAction)
		a.InstanceUUID.Set(inst)
		a.RequestID.Set(req)
		a.Action.Set(objects.ActionLiveMigration)
		a.UserID.Set("u")
		if err := e.st.Actions.Start(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	first := start("req-1")
	e.clock.Advance(time.Minute)
	second := start("req-2")
	if !second.StartTime.Get().Equal(t0.Add(time.Minute)) {
		t.Fatalf("start_time = %v", second.StartTime.Get())
	}
	// The same request twice is refused.
	dup := new(objects.InstanceAction)
	dup.InstanceUUID.Set(inst)
	dup.RequestID.Set("req-1")
	dup.Action.Set("x")
	if err := e.st.Actions.Start(ctx, dup); !errors.As(err, new(*exception.ObjectActionError)) {
		t.Fatalf("duplicate action: %v", err)
	}
	list, err := e.st.Actions.ListByInstance(ctx, inst)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].RequestID.Get() != "req-2" || list[1].RequestID.Get() != "req-1" {
		t.Fatalf("ListByInstance not newest first: %v", list)
	}
	if other, _ := e.st.Actions.ListByInstance(ctx, newUUID()); len(other) != 0 {
		t.Fatalf("another instance has actions: %v", other)
	}

	for _, host := range []string{"src", "dst"} {
		ev := new(objects.InstanceActionEvent)
		ev.Event.Set("compute_live_migration")
		ev.Host.Set(host)
		if err := e.st.Actions.EventStart(ctx, inst, "req-1", ev); err != nil {
			t.Fatal(err)
		}
		if ev.ActionID.Get() != first.ID.Get() {
			t.Fatalf("event action_id %d, action id %d", ev.ActionID.Get(), first.ID.Get())
		}
	}
	fin := new(objects.InstanceActionEvent)
	fin.Event.Set("compute_live_migration")
	fin.Result.Set(objects.EventResultError)
	fin.Traceback.Set("Traceback: boom")
	if err := e.st.Actions.EventFinish(ctx, inst, "req-1", fin); err != nil {
		t.Fatal(err)
	}
	if fin.Host.Get() != "dst" || !fin.FinishTime.IsSet() {
		t.Fatalf("finish did not pick the newest unfinished event: %s", asJSON(t, fin))
	}
	evs, err := e.st.Actions.Events(ctx, inst, "req-1")
	if err != nil || len(evs) != 2 {
		t.Fatalf("events: %v %v", evs, err)
	}
	if evs[0].FinishTime.IsSet() && !evs[0].FinishTime.IsNull() || evs[1].Result.Get() != objects.EventResultError {
		t.Fatalf("events after finish: %s / %s", asJSON(t, evs[0]), asJSON(t, evs[1]))
	}
	a, _ := e.st.Actions.Get(ctx, inst, "req-1")
	if a.Message.Get() != "Error" {
		t.Fatalf("a failed event did not mark the action: %s", asJSON(t, a))
	}
	var anf *exception.InstanceActionNotFound
	if err := e.st.Actions.EventStart(ctx, inst, "req-9", new(objects.InstanceActionEvent)); !errors.As(err, new(*exception.ObjectActionError)) {
		t.Fatalf("event without a name: %v", err)
	}
	ev := new(objects.InstanceActionEvent)
	ev.Event.Set("x")
	if err := e.st.Actions.EventStart(ctx, inst, "req-9", ev); !errors.As(err, &anf) {
		t.Fatalf("event of an unknown request: %v", err)
	}
	if err := e.st.Actions.EventFinish(ctx, inst, "req-2", fin); !errors.As(err, new(*exception.InstanceActionEventNotFound)) {
		t.Fatalf("finish of an event never started: %v", err)
	}
}
