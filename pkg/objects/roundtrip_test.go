package objects

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// Every registered object, fully populated and with every nullable field
// null, survives primitive → object → primitive and object → msgpack →
// object unchanged.
func TestRoundTripEveryObject(t *testing.T) {
	for _, name := range Registered() {
		for mode, label := range map[sampleMode]string{withValues: "values", withNulls: "nulls"} {
			t.Run(name+"/"+label, func(t *testing.T) {
				want := samplePrimitive(t, name, mode)
				o := mustDecode(t, want)
				if got := reflect.TypeOf(o).Elem().Name(); got != name {
					t.Fatalf("Decode returned %s, want %s", got, name)
				}
				if len(o.ObjWhatChanged()) != 0 {
					t.Errorf("freshly decoded %s reports changes %v", name, o.ObjWhatChanged())
				}
				samePrimitive(t, "primitive round trip", mustPrimitive(t, o), want)

				b, err := Marshal(o)
				if err != nil {
					t.Fatal(err)
				}
				back, err := Unmarshal(b)
				if err != nil {
					t.Fatal(err)
				}
				samePrimitive(t, "msgpack round trip", mustPrimitive(t, back), want)

				// Decoding into a concrete value, as a struct field would.
				typed := reflect.New(reflect.TypeOf(o).Elem()).Interface().(Object)
				if err := msgpack.Unmarshal(b, typed); err != nil {
					t.Fatal(err)
				}
				samePrimitive(t, "typed msgpack round trip", mustPrimitive(t, typed), want)
			})
		}
	}
}

// rpcMessage is the kind of struct the RPC layer encodes: objects as pointer
// fields, lists of objects, and nil objects.
type rpcMessage struct {
	Instance   *Instance
	Spec       *RequestSpec
	Selections [][]*Selection
	Data       *LiveMigrateData
	Missing    *Migration
	Result     Any
	Note       string
}

func TestObjectsAsStructFields(t *testing.T) {
	launched := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	inst := new(Instance)
	inst.UUID.Set(testUUID)
	inst.Host.Set("cmp1")
	inst.VMState.Set(VMStateActive)
	inst.TaskState.Set(TaskMigrating)
	inst.PowerState.Set(PowerRunning)
	inst.LaunchedAt.Set(launched)
	inst.Progress.SetNull()

	dest := new(Destination)
	dest.Host.Set("cmp2")
	dest.Node.SetNull()
	spec := new(RequestSpec)
	spec.InstanceUUID.Set(testUUID)
	spec.IgnoreHosts.Set([]string{"cmp1"})
	spec.RequestedDestination.Set(dest)

	sel := new(Selection)
	sel.ServiceHost.Set("cmp2")
	sel.Nodename.Set("cmp2.node")
	limits := new(SchedulerLimits)
	limits.MemoryMB.Set(4096)
	sel.Limits.Set(limits)

	mig := new(Migration)
	mig.UUID.Set(testUUID)
	mig.MigrationType.Set(MigrationTypeLiveMigration)
	mig.Status.Set(MigrationPostCopy)
	lmd := new(LiveMigrateData)
	lmd.Migration.Set(mig)
	lmd.SerialListenPorts.Set([]int{10000, 10001})
	lmd.GraphicsListenAddrVNC.Set("::1")

	svc := new(Service)
	svc.Host.Set("cmp1")

	in := rpcMessage{Instance: inst, Spec: spec, Selections: [][]*Selection{{sel}}, Data: lmd, Result: Any{svc}, Note: "x"}
	b, err := msgpack.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out rpcMessage
	if err := msgpack.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.Instance.Host.Get(); got != "cmp1" {
		t.Errorf("host = %q", got)
	}
	if out.Instance.VMState.Get() != VMStateActive || out.Instance.TaskState.Get() != TaskMigrating || out.Instance.PowerState.Get() != PowerRunning {
		t.Errorf("states = %v/%v/%v", out.Instance.VMState.Get(), out.Instance.TaskState.Get(), out.Instance.PowerState.Get())
	}
	if !out.Instance.LaunchedAt.Get().Equal(launched) {
		t.Errorf("launched_at = %v, want %v", out.Instance.LaunchedAt.Get(), launched)
	}
	if !out.Instance.Progress.IsNull() || out.Instance.Node.IsSet() {
		t.Errorf("progress null=%v, node set=%v; want null and unset", out.Instance.Progress.IsNull(), out.Instance.Node.IsSet())
	}
	d, ok := out.Spec.RequestedDestination.Lookup()
	if !ok || d.Host.Get() != "cmp2" || !d.Node.IsNull() {
		t.Errorf("requested_destination = %v", d)
	}
	if got := out.Spec.IgnoreHosts.Get(); !reflect.DeepEqual(got, []string{"cmp1"}) {
		t.Errorf("ignore_hosts = %v", got)
	}
	if len(out.Selections) != 1 || len(out.Selections[0]) != 1 || out.Selections[0][0].Limits.Get().MemoryMB.Get() != 4096 {
		t.Errorf("selections = %v", out.Selections)
	}
	m := out.Data.Migration.Get()
	if m == nil || !m.IsLiveMigration() || m.Status.Get() != MigrationPostCopy {
		t.Errorf("migrate data migration = %v", m)
	}
	if got := out.Data.SerialListenPorts.Get(); !reflect.DeepEqual(got, []int{10000, 10001}) {
		t.Errorf("serial ports = %v", got)
	}
	if out.Missing != nil {
		t.Errorf("nil object decoded as %v", out.Missing)
	}
	if s, ok := out.Result.Object.(*Service); !ok || s.Host.Get() != "cmp1" {
		t.Errorf("Any decoded %T %v", out.Result.Object, out.Result.Object)
	}
	// Changes made before sending travel with the object.
	if got, want := out.Instance.ObjWhatChanged(), inst.ObjWhatChanged(); !reflect.DeepEqual(got, want) {
		t.Errorf("changes after transit %v, want %v", got, want)
	}
}

// The wire form is nova's: namespaced keys, data by wire name, null as nil,
// date-times as RFC 3339 strings, nested objects as nested primitives.
func TestInstanceWireForm(t *testing.T) {
	inst := new(Instance)
	inst.UUID.Set(testUUID)
	inst.VMState.Set(VMStateActive)
	inst.TaskState.SetNull()
	inst.PowerState.Set(PowerShutdown)
	inst.LaunchedAt.Set(time.Date(2024, 5, 1, 14, 0, 0, 5000, time.FixedZone("x", 2*3600)))
	f := new(Flavor)
	f.MemoryMB.Set(512)
	inst.Flavor.Set(f)

	p := mustPrimitive(t, inst)
	if p[KeyName] != "Instance" || p[KeyNamespace] != "nova" || p[KeyVersion] != "1.2" {
		t.Errorf("envelope = %v %v %v", p[KeyName], p[KeyNamespace], p[KeyVersion])
	}
	d := dataOf(t, p)
	want := map[string]any{
		"uuid":        testUUID,
		"vm_state":    "active",
		"task_state":  nil,
		"power_state": int64(4),
		"launched_at": "2024-05-01T12:00:00.000005Z",
	}
	for k, v := range want {
		if got, ok := d[k]; !ok || got != v {
			t.Errorf("data[%q] = %#v (present %v), want %#v", k, got, ok, v)
		}
	}
	if len(d) != len(want)+1 {
		t.Errorf("data has %d keys, want %d: unset fields must not be sent: %v", len(d), len(want)+1, d)
	}
	fp, ok := d["flavor"].(Primitive)
	if !ok || fp.Name() != "Flavor" || dataOf(t, fp)["memory_mb"] != int64(512) {
		t.Errorf("flavor = %#v", d["flavor"])
	}
	changes, _ := p[KeyChanges].([]any)
	if !reflect.DeepEqual(changes, []any{"flavor", "launched_at", "power_state", "task_state", "uuid", "vm_state"}) {
		t.Errorf("changes = %v", changes)
	}
}

func TestEncodingIsDeterministic(t *testing.T) {
	o := mustDecode(t, samplePrimitive(t, "Instance", withValues))
	a, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		b, err := Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("two encodings of one object differ")
		}
	}
}

// Encoding refuses what a receiver would refuse, rather than sending it.
func TestEncodeRefusesInvalidValues(t *testing.T) {
	inst := new(Instance)
	inst.UUID.Set("not-a-uuid")
	if _, err := inst.ToPrimitive(); err == nil {
		t.Error("invalid uuid encoded")
	}
	inst.UUID.Set(testUUID)
	inst.Flavor.Set(nil)
	if _, err := Marshal(inst); err == nil {
		t.Error("nil in a non-nullable object field encoded")
	}
	m := new(Migration)
	m.UUID.Set(testUUID)
	m.MigrationType.Set("teleport")
	if _, err := m.ToPrimitive(); err == nil {
		t.Error("unknown migration_type encoded")
	}
	// A nil object in a Nullable is null, not an error.
	spec := new(RequestSpec)
	spec.InstanceUUID.Set(testUUID)
	spec.RequestedDestination.Set(nil)
	p, err := spec.ToPrimitive()
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := dataOf(t, p)["requested_destination"]; !ok || v != nil {
		t.Errorf("requested_destination = %v (present %v), want null", v, ok)
	}
}

func TestPrimitiveMsgpack(t *testing.T) {
	p := samplePrimitive(t, "Destination", withValues)
	b, err := msgpack.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Primitive
	if err := msgpack.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	samePrimitive(t, "Primitive via msgpack", back, p)
	if back.Name() != "Destination" || back.Version() != "1.1" {
		t.Errorf("Name/Version = %q/%q", back.Name(), back.Version())
	}
	d, err := DecodeAs[Destination](back)
	if err != nil || d.Host.Get() != "s-host" {
		t.Errorf("DecodeAs = %v, %v", d, err)
	}
	if _, err := DecodeAs[Instance](back); err == nil {
		t.Error("DecodeAs[Instance] accepted a Destination")
	}
}

func TestClone(t *testing.T) {
	orig := mustDecode(t, samplePrimitive(t, "RequestSpec", withValues)).(*RequestSpec)
	orig.NumInstances.Set(3)
	c, err := Clone(orig)
	if err != nil {
		t.Fatal(err)
	}
	c.RequestedDestination.Get().Host.Set("elsewhere")
	if orig.RequestedDestination.Get().Host.Get() == "elsewhere" {
		t.Error("clone shares its nested destination with the original")
	}
	if c.NumInstances.Get() != 3 || !reflect.DeepEqual(c.ObjWhatChanged(), []string{"num_instances", "requested_destination"}) {
		t.Errorf("clone: num_instances %d, changes %v", c.NumInstances.Get(), c.ObjWhatChanged())
	}
}
