package test

import (
	"errors"
	"slices"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/conductor"
)

// A compute with no store and credentials that deny JetStream saves and
// creates every kind of object through the conductor, and finds them in
// the store afterwards.
func TestComputeWithoutJetStreamSavesThroughConductor(t *testing.T) {
	c := startCloud(t)
	ctx := objCtx(t)

	// The compute really cannot reach the store: the JetStream API and
	// the KV subjects are both refused.
	c.expectDenied(t, "$JS.API.INFO")
	c.expectDenied(t, "$KV.cell1_instances.rec.x")
	if js, err := jetstream.New(c.computeNC); err == nil {
		shortCtx, cancel := contextWithTimeout(ctx, 2)
		_, err := js.KeyValue(shortCtx, "cell1_instances")
		cancel()
		if err == nil {
			t.Fatal("the compute opened the instances bucket")
		}
	}

	x := c.compute(t)
	// Created by the API side (here: the conductor's store).
	seed := sampleInstance("cmp1")
	if err := c.store.Instances.Create(ctx, seed); err != nil {
		t.Fatal(err)
	}

	inst, err := x.GetInstance(ctx, seed.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	if inst.ID.Get() != seed.ID.Get() {
		t.Fatalf("compute read instance id %d, stored %d", inst.ID.Get(), seed.ID.Get())
	}
	inst.TaskState.Set(objects.TaskMigrating)
	inst.Progress.Set(10)
	if err := x.SaveInstance(ctx, inst, exception.NoTaskState); err != nil {
		t.Fatal(err)
	}
	if len(inst.ObjWhatChanged()) != 0 || !inst.UpdatedAt.IsSet() {
		t.Fatalf("compute's copy not refreshed after save: changes %v, %s", inst.ObjWhatChanged(), asJSONObj(t, inst))
	}
	stored, err := c.store.Instances.Get(ctx, seed.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	if stored.TaskState.Get() != objects.TaskMigrating || stored.Progress.Get() != 10 || stored.DisplayName.Get() != "vm1" {
		t.Fatalf("store after the compute's save: %s", asJSONObj(t, stored))
	}

	// A migration created and progressed by the source compute.
	mig := new(objects.Migration)
	mig.UUID.Set(newObjUUID())
	mig.InstanceUUID.Set(inst.UUID.Get())
	mig.SourceCompute.Set("cmp1")
	mig.DestCompute.Set("cmp2")
	mig.Status.Set(objects.MigrationRunning)
	mig.MigrationType.Set(objects.MigrationTypeLiveMigration)
	if err := x.Create(ctx, mig); err != nil {
		t.Fatal(err)
	}
	if mig.ID.Get() < 1 {
		t.Fatal("created migration has no id")
	}
	mig.MemoryProcessed.Set(1 << 30)
	mig.MemoryRemaining.Set(3 << 30)
	if err := x.Save(ctx, mig); err != nil {
		t.Fatal(err)
	}
	sm, err := c.store.Migrations.Get(ctx, mig.ID.Get())
	if err != nil || sm.MemoryProcessed.Get() != 1<<30 || sm.MemoryRemaining.Get() != 3<<30 {
		t.Fatalf("stored migration: %v %s", err, asJSONObj(t, sm))
	}
	inprog, err := x.MigrationsInProgressByHost(ctx, "cmp2")
	if err != nil || len(inprog) != 1 || inprog[0].UUID.Get() != mig.UUID.Get() {
		t.Fatalf("migrations in progress on cmp2 seen by the compute: %v, %v", inprog, err)
	}

	// The compute's node, created and updated by its resource tracker.
	node := new(objects.ComputeNode)
	node.UUID.Set(newObjUUID())
	node.Host.Set("cmp1")
	node.HypervisorHostname.Set("cmp1-node")
	node.HypervisorType.Set("QEMU")
	node.VCPUs.Set(8)
	node.MemoryMB.Set(16384)
	if err := x.Create(ctx, node); err != nil {
		t.Fatal(err)
	}
	node.VCPUsUsed.Set(2)
	if err := x.Save(ctx, node); err != nil {
		t.Fatal(err)
	}
	sn, err := c.store.ComputeNodes.GetByHostAndNodename(ctx, "cmp1", "cmp1-node")
	if err != nil || sn.VCPUsUsed.Get() != 2 || sn.MemoryMB.Get() != 16384 {
		t.Fatalf("stored node: %v %s", err, asJSONObj(t, sn))
	}
	if got, err := x.GetComputeNode(ctx, "cmp1", "cmp1-node"); err != nil || got.UUID.Get() != node.UUID.Get() {
		t.Fatalf("GetComputeNode: %v", err)
	}

	// Instance action events for the request the conductor started.
	ctxReq, rc := rpc.EnsureRequestContext(ctx)
	act := new(objects.InstanceAction)
	act.InstanceUUID.Set(inst.UUID.Get())
	act.RequestID.Set(rc.RequestID)
	act.Action.Set(objects.ActionLiveMigration)
	if err := c.store.Actions.Start(ctx, act); err != nil {
		t.Fatal(err)
	}
	if _, err := x.EventStart(ctxReq, inst.UUID.Get(), "compute_pre_live_migration", "cmp2"); err != nil {
		t.Fatal(err)
	}
	ev, err := x.EventFinish(ctxReq, inst.UUID.Get(), "compute_pre_live_migration", "cmp2", errors.New("disk not shared"))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Result.Get() != objects.EventResultError || ev.Details.Get() != "disk not shared" {
		t.Fatalf("finished event: %s", asJSONObj(t, ev))
	}
	evs, err := c.store.Actions.Events(ctx, inst.UUID.Get(), rc.RequestID)
	if err != nil || len(evs) != 1 || evs[0].Host.Get() != "cmp2" || !evs[0].FinishTime.IsSet() {
		t.Fatalf("stored events: %v %v", evs, err)
	}
	// A request without an action is nova's InstanceActionNotFound.
	if _, err := x.EventStart(ctx, inst.UUID.Get(), "x", "cmp1"); !errors.As(err, new(*exception.InstanceActionNotFound)) {
		t.Fatalf("event for a request without an action: %v", err)
	}

	// And the reads of a missing record are the typed not-found.
	_, err = x.GetInstance(ctx, newObjUUID())
	var nf *exception.InstanceNotFound
	var re *rpc.RemoteError
	if !errors.As(err, &nf) || !errors.Is(err, exception.ErrNotFound) || !errors.As(err, &re) || re.Type != "InstanceNotFound" {
		t.Fatalf("get of a missing instance: %v", err)
	}
}

// Instance.save(expected_task_state=...) through RPC: a mismatch reaches
// the compute as the typed error, and nothing was written.
func TestExpectedTaskStateMismatchThroughRPC(t *testing.T) {
	c := startCloud(t)
	ctx := objCtx(t)
	x := c.compute(t)
	seed := sampleInstance("cmp1")
	seed.TaskState.Set(objects.TaskMigrating)
	if err := c.store.Instances.Create(ctx, seed); err != nil {
		t.Fatal(err)
	}
	before, _ := c.store.Instances.Get(ctx, seed.UUID.Get())

	inst, err := x.GetInstance(ctx, seed.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	inst.Host.Set("cmp2")
	inst.TaskState.SetNull()
	err = x.SaveInstance(ctx, inst, objects.TaskRebooting, exception.NoTaskState)
	var ute *exception.UnexpectedTaskState
	if !errors.As(err, &ute) {
		t.Fatalf("save with the wrong expected task state: %v", err)
	}
	if ute.Actual != objects.TaskMigrating || !slices.Equal(ute.Expected, []objects.TaskState{objects.TaskRebooting, exception.NoTaskState}) || ute.InstanceUUID != seed.UUID.Get() {
		t.Fatalf("error as the compute sees it: %+v", ute)
	}
	after, _ := c.store.Instances.Get(ctx, seed.UUID.Get())
	if asJSONObj(t, after) != asJSONObj(t, before) {
		t.Fatalf("a refused save changed the record:\nbefore %s\n after %s", asJSONObj(t, before), asJSONObj(t, after))
	}
	if len(inst.ObjWhatChanged()) != 2 {
		t.Fatalf("the compute's copy lost its changes: %v", inst.ObjWhatChanged())
	}
	// The expectation that holds goes through.
	if err := x.SaveInstance(ctx, inst, objects.TaskMigrating); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.store.Instances.ListByHost(ctx, "cmp2"); len(got) != 1 {
		t.Fatalf("instance not on cmp2 after the save: %d", len(got))
	}

	// An instance being deleted: its own error, still an UnexpectedTaskState.
	if _, err := c.store.Instances.Update(ctx, seed.UUID.Get(), func(i *objects.Instance) error {
		i.TaskState.Set(objects.TaskDeleting)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	inst.PowerState.Set(objects.PowerPaused)
	err = x.SaveInstance(ctx, inst, exception.NoTaskState)
	var del *exception.UnexpectedDeletingTaskState
	if !errors.As(err, &del) || !errors.As(err, &ute) || ute.Actual != objects.TaskDeleting {
		t.Fatalf("save against a deleting instance: %v", err)
	}
}

// Objects that are malformed on the wire are refused with a reason, and
// nothing is written.
func TestMalformedObjectsInMessagesWriteNothing(t *testing.T) {
	c := startCloud(t)
	ctx := objCtx(t)
	api, err := conductor.NewAPI(c.computeNC)
	if err != nil {
		t.Fatal(err)
	}
	seed := sampleInstance("cmp1")
	if err := c.store.Instances.Create(ctx, seed); err != nil {
		t.Fatal(err)
	}
	good, err := seed.ToPrimitive()
	if err != nil {
		t.Fatal(err)
	}
	data := func(p objects.Primitive) map[string]any { return p[objects.KeyData].(map[string]any) }
	variant := func(change func(p objects.Primitive)) objects.Primitive {
		p, _ := seed.ToPrimitive()
		change(p)
		return p
	}
	cases := []struct {
		name   string
		p      objects.Primitive
		method string
		reason string // part of the error the caller must see
	}{
		{"missing uuid", variant(func(p objects.Primitive) {
			delete(data(p), "uuid")
			data(p)["display_name"] = "renamed"
			p[objects.KeyChanges] = []any{"display_name"}
		}), "save", "missing required field"},
		{"uuid not a uuid", variant(func(p objects.Primitive) { data(p)["uuid"] = "cmp1" }), "save", "uuid"},
		{"unknown field", variant(func(p objects.Primitive) { data(p)["colour"] = "red" }), "save", "unknown field"},
		{"wrong type", variant(func(p objects.Primitive) {
			data(p)["memory_mb"] = "lots"
			p[objects.KeyChanges] = []any{"memory_mb"}
		}), "save", "memory_mb"},
		{"null in a non-nullable field", variant(func(p objects.Primitive) { data(p)["locked"] = nil }), "save", "null"},
		{"changes naming absent fields", variant(func(p objects.Primitive) { p[objects.KeyChanges] = []any{"hostname"} }), "save", "hostname"},
		{"create of a stored object", good, "create", "already created"},
		{"unknown method", good, "migrate", "no remotable method"},
		{"no object", nil, "save", "no object"},
	}
	key := seed.UUID.Get()
	before, _ := c.store.Instances.Get(ctx, key)
	for _, tc := range cases {
		_, err := api.ObjectAction(ctx, conductor.ObjectActionArgs{ObjInst: tc.p, ObjMethod: tc.method})
		var ae *exception.ObjectActionError
		if !errors.As(err, &ae) {
			t.Errorf("%s: %v, want an ObjectActionError", tc.name, err)
			continue
		}
		if !contains(ae.Reason, tc.reason) {
			t.Errorf("%s: reason %q does not say %q", tc.name, ae.Reason, tc.reason)
		}
	}
	after, _ := c.store.Instances.Get(ctx, key)
	if asJSONObj(t, after) != asJSONObj(t, before) {
		t.Fatalf("malformed messages changed the record:\nbefore %s\n after %s", asJSONObj(t, before), asJSONObj(t, after))
	}
	if all, _ := c.store.Instances.List(ctx); len(all) != 1 {
		t.Fatalf("%d instances stored, want 1", len(all))
	}
	// A class method without its arguments says which one is missing.
	_, err = api.ObjectClassActionVersions(ctx, conductor.ObjectClassActionVersionsArgs{ObjName: "Instance", ObjMethod: "get_by_uuid"})
	var ae *exception.ObjectActionError
	if !errors.As(err, &ae) || !contains(ae.Reason, "uuid") {
		t.Fatalf("class method without uuid: %v", err)
	}
	// expected_task_state belongs to Instance.save only.
	node := new(objects.ComputeNode)
	node.UUID.Set(newObjUUID())
	np, _ := node.ToPrimitive()
	_, err = api.ObjectAction(ctx, conductor.ObjectActionArgs{ObjInst: np, ObjMethod: "create",
		Kwargs: conductor.ObjectActionKwargs{ExpectedTaskState: conductor.TaskStates{objects.TaskMigrating}}})
	if !errors.As(err, &ae) {
		t.Fatalf("expected_task_state on a ComputeNode: %v", err)
	}
	if nodes, _ := c.store.ComputeNodes.List(ctx); len(nodes) != 0 {
		t.Fatalf("a refused create stored %d nodes", len(nodes))
	}
}
