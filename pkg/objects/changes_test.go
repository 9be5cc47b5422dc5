package objects

import (
	"reflect"
	"slices"
	"testing"
)

func TestChangeTracking(t *testing.T) {
	inst := new(Instance)
	if got := inst.ObjWhatChanged(); len(got) != 0 {
		t.Fatalf("new object changed: %v", got)
	}
	inst.Host.Set("cmp1")
	inst.TaskState.SetNull()
	if got := inst.ObjWhatChanged(); !reflect.DeepEqual(got, []string{"host", "task_state"}) {
		t.Errorf("after set: %v", got)
	}
	if got := inst.ObjGetChanges(); !reflect.DeepEqual(got, map[string]any{"host": "cmp1", "task_state": nil}) {
		t.Errorf("ObjGetChanges = %#v", got)
	}

	inst.ObjResetChanges("host")
	if got := inst.ObjWhatChanged(); !reflect.DeepEqual(got, []string{"task_state"}) {
		t.Errorf("after resetting host: %v", got)
	}
	inst.ObjResetChanges()
	if got := inst.ObjWhatChanged(); len(got) != 0 {
		t.Errorf("after reset: %v", got)
	}
	// Reset is not revert: values and set-ness stay.
	if inst.Host.Get() != "cmp1" || !inst.ObjAttrIsSet("task_state") || inst.ObjAttrIsSet("node") {
		t.Errorf("reset changed values: host %q, task_state set %v, node set %v",
			inst.Host.Get(), inst.ObjAttrIsSet("task_state"), inst.ObjAttrIsSet("node"))
	}
	// Setting the same value again still counts, as in oslo.
	inst.Host.Set("cmp1")
	if got := inst.ObjWhatChanged(); !reflect.DeepEqual(got, []string{"host"}) {
		t.Errorf("after same-value set: %v", got)
	}
}

// A change inside a nested object marks the parent's field changed, and a
// reset of the parent clears the child too.
func TestNestedChanges(t *testing.T) {
	spec := mustDecode(t, samplePrimitive(t, "RequestSpec", withValues)).(*RequestSpec)
	spec.RequestedDestination.Get().Node.Set("n2")
	if got := spec.ObjWhatChanged(); !reflect.DeepEqual(got, []string{"requested_destination"}) {
		t.Errorf("parent changes = %v", got)
	}
	p := mustPrimitive(t, spec)
	nested, _ := asMap(dataOf(t, p)["requested_destination"])
	if got := nested[KeyChanges]; !reflect.DeepEqual(got, []any{"node"}) {
		t.Errorf("nested changes on the wire = %v", got)
	}
	spec.ObjResetChanges()
	if got := spec.RequestedDestination.Get().ObjWhatChanged(); len(got) != 0 {
		t.Errorf("child still changed after parent reset: %v", got)
	}

	list := mustDecode(t, samplePrimitive(t, "MigrationList", withValues)).(*MigrationList)
	list.Objects.Get()[1].Status.Set(MigrationCompleted)
	if got := list.ObjWhatChanged(); !reflect.DeepEqual(got, []string{"objects"}) {
		t.Errorf("list changes = %v", got)
	}
}

func TestDecodedChangesArePreserved(t *testing.T) {
	p := samplePrimitive(t, "Migration", withValues)
	p[KeyChanges] = []any{"status", "memory_processed"}
	m := mustDecode(t, p)
	if got := m.ObjWhatChanged(); !reflect.DeepEqual(got, []string{"memory_processed", "status"}) {
		t.Errorf("decoded changes = %v", got)
	}
	back := mustPrimitive(t, m)
	if got := back[KeyChanges]; !reflect.DeepEqual(got, []any{"memory_processed", "status"}) {
		t.Errorf("re-encoded changes = %v", got)
	}
}

func TestSetDefaults(t *testing.T) {
	spec := new(RequestSpec)
	spec.IsBFV.Set(true)
	spec.ObjResetChanges()
	if err := spec.ObjSetDefaults(); err != nil {
		t.Fatal(err)
	}
	if spec.NumInstances.Get() != 1 || !spec.RequestedDestination.IsNull() {
		t.Errorf("defaults: num_instances %d, requested_destination null %v", spec.NumInstances.Get(), spec.RequestedDestination.IsNull())
	}
	if got := spec.ObjWhatChanged(); !reflect.DeepEqual(got, []string{"num_instances", "requested_destination"}) {
		t.Errorf("defaults changed %v; fields without defaults or already set must be left alone", got)
	}
	spec.NumInstances.Set(5)
	if err := spec.ObjSetDefaults("num_instances"); err != nil || spec.NumInstances.Get() != 1 {
		t.Errorf("named default: %v, num_instances %d", err, spec.NumInstances.Get())
	}
	if err := spec.ObjSetDefaults("is_bfv"); err == nil {
		t.Error("ObjSetDefaults accepted a field without a default")
	}
	if err := spec.ObjSetDefaults("nope"); err == nil {
		t.Error("ObjSetDefaults accepted an unknown field")
	}
}

func TestNullableAPI(t *testing.T) {
	var n Nullable[string]
	if n.IsSet() || n.IsNull() || n.Ptr() != nil {
		t.Error("zero Nullable is not unset")
	}
	if _, ok := n.Lookup(); ok {
		t.Error("Lookup of unset reports ok")
	}
	n.Set("a")
	if v, ok := n.Lookup(); !ok || v != "a" || *n.Ptr() != "a" || n.IsNull() {
		t.Errorf("after Set: %q %v", v, ok)
	}
	n.SetPtr(nil)
	if !n.IsNull() || n.Get() != "" || n.Ptr() != nil {
		t.Error("SetPtr(nil) is not null")
	}
	s := "b"
	n.SetPtr(&s)
	if n.Get() != "b" || n.IsNull() {
		t.Error("SetPtr(&b) did not store b")
	}
}

func TestObjFields(t *testing.T) {
	d := new(Destination)
	if got := d.ObjFields(); !slices.Equal(got, []string{"host", "node", "aggregates"}) {
		t.Errorf("ObjFields = %v", got)
	}
	inst := new(Instance)
	if fs := inst.ObjFields(); !slices.Contains(fs, "created_at") || !slices.Contains(fs, "deleted") {
		t.Errorf("Persistent fields missing from Instance: %v", fs)
	}
	if inst.ObjName() != "Instance" || inst.ObjVersion() != "1.2" {
		t.Errorf("name/version %s %s", inst.ObjName(), inst.ObjVersion())
	}
	inst.ID.Set(255)
	if inst.Name() != "instance-000000ff" {
		t.Errorf("Name() = %q", inst.Name())
	}
}
