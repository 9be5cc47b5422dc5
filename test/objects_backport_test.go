package test

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/conductor"
)

// pinnedManifest is what a compute one release older speaks: Instance 1.1
// (no fault) and Flavor 1.0 (no description).
func pinnedManifest() objects.Manifest {
	m := objects.LocalManifest()
	m["Instance"] = "1.1"
	m["Flavor"] = "1.0"
	return m
}

func faultyInstance() *objects.Instance {
	inst := sampleInstance("cmp1")
	fl := new(objects.Flavor)
	fl.Name.Set("m1.small")
	fl.Description.Set("small")
	inst.Flavor.Set(fl)
	f := new(objects.InstanceFault)
	f.Code.Set(500)
	f.Message.Set("boom")
	inst.Fault.Set(f)
	return inst
}

// An older compute gets objects at its versions, and a save from it does
// not wipe the fields it cannot know.
func TestOlderComputeGetsItsVersions(t *testing.T) {
	c := startCloud(t)
	ctx := objCtx(t)
	seed := faultyInstance()
	if err := c.store.Instances.Create(ctx, seed); err != nil {
		t.Fatal(err)
	}
	old := c.compute(t, conductor.WithManifest(pinnedManifest()))

	// The reply of a class action comes at Instance 1.1 / Flavor 1.0.
	api, err := conductor.NewAPI(c.computeNC)
	if err != nil {
		t.Fatal(err)
	}
	reply, err := api.ObjectClassActionVersions(ctx, conductor.ObjectClassActionVersionsArgs{
		ObjName: "Instance", ObjMethod: "get_by_uuid", ObjectVersions: pinnedManifest(),
		Kwargs: conductor.ClassActionKwargs{UUID: seed.UUID.Get()}})
	if err != nil {
		t.Fatal(err)
	}
	data := reply.Object[objects.KeyData].(map[string]any)
	if reply.Object.Version() != "1.1" || data["fault"] != nil || data["hidden"] == nil {
		t.Fatalf("reply for Instance 1.1: version %s, data %v", reply.Object.Version(), data)
	}
	flavor := objects.Primitive(data["flavor"].(map[string]any))
	if flavor.Version() != "1.0" || flavor[objects.KeyData].(map[string]any)["description"] != nil {
		t.Fatalf("nested flavor not at 1.0: %v", flavor)
	}

	inst, err := old.GetInstance(ctx, seed.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	if inst.Fault.IsSet() {
		t.Fatal("the older compute received the fault it cannot know")
	}
	inst.PowerState.Set(objects.PowerPaused)
	if err := old.SaveInstance(ctx, inst); err != nil {
		t.Fatal(err)
	}
	stored, _ := c.store.Instances.Get(ctx, seed.UUID.Get())
	if stored.PowerState.Get() != objects.PowerPaused {
		t.Fatal("the older compute's change did not land")
	}
	if f := stored.Fault.Get(); f == nil || f.Message.Get() != "boom" || stored.Flavor.Get().Description.Get() != "small" {
		t.Fatalf("a save from an older compute wiped newer fields: %s", asJSONObj(t, stored))
	}
	if inst.Fault.IsSet() {
		t.Fatal("the save's reply carried the fault to the older compute")
	}
}

// An object that reaches an older receiver at a newer version (in some
// other message) is backported by the conductor on the receiver's request.
func TestReceiverAsksConductorForBackport(t *testing.T) {
	c := startCloud(t)
	ctx := objCtx(t)
	old := c.compute(t, conductor.WithManifest(pinnedManifest()))
	inst := faultyInstance()
	p, err := inst.ToPrimitive() // what a newer sender put in a message: Instance 1.2
	if err != nil {
		t.Fatal(err)
	}
	if p.Version() != "1.2" {
		t.Fatalf("test premise: Instance is at %s, not 1.2", p.Version())
	}
	before := backportCalls(t, c)
	o, err := old.Decode(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := o.(*objects.Instance)
	if !ok {
		t.Fatalf("decoded a %T", o)
	}
	if got.Fault.IsSet() || got.Flavor.Get().Description.IsSet() || got.UUID.Get() != inst.UUID.Get() || got.Host.Get() != "cmp1" {
		t.Fatalf("backported instance: %s", asJSONObj(t, got))
	}
	if n := backportCalls(t, c); n != before+1 {
		t.Fatalf("object_backport_versions served %v times, want %v", n, before+1)
	}

	// A receiver that can read the object does not ask.
	current := c.compute(t)
	if _, err := current.Decode(ctx, p); err != nil {
		t.Fatal(err)
	}
	if n := backportCalls(t, c); n != before+1 {
		t.Fatalf("a current receiver asked for a backport (%v calls)", n)
	}
}

// backportCalls reads the conductor's server-side counter of
// object_backport_versions calls.
func backportCalls(t *testing.T, c *cloud) float64 {
	t.Helper()
	families, err := c.metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != "novanats_rpc_server_invocation_end_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "method" && l.GetValue() == "object_backport_versions" {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}
