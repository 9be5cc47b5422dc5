package conductor

import (
	"reflect"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
)

// expected_task_state travels as nova sends it: a list of strings with nil
// for None.
func TestTaskStatesWireForm(t *testing.T) {
	in := ObjectActionKwargs{ExpectedTaskState: TaskStates{exception.NoTaskState, objects.TaskMigrating}}
	b, err := msgpack.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := msgpack.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	if got := generic["expected_task_state"]; !reflect.DeepEqual(got, []any{nil, "migrating"}) {
		t.Fatalf("wire form %#v", got)
	}
	var out ObjectActionKwargs
	if err := msgpack.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip %#v", out)
	}
	// Absent means no expectation; so does nova's None.
	b, _ = msgpack.Marshal(ObjectActionKwargs{})
	if err := msgpack.Unmarshal(b, &generic); err != nil || len(generic) != 0 {
		t.Fatalf("empty kwargs encode as %v (%v)", generic, err)
	}
	b, _ = msgpack.Marshal(map[string]any{"expected_task_state": nil})
	out = ObjectActionKwargs{ExpectedTaskState: TaskStates{"x"}}
	if err := msgpack.Unmarshal(b, &out); err != nil || out.ExpectedTaskState != nil {
		t.Fatalf("None decodes as %#v (%v)", out.ExpectedTaskState, err)
	}
	b, _ = msgpack.Marshal(map[string]any{"expected_task_state": []any{""}})
	if err := msgpack.Unmarshal(b, &out); err == nil {
		t.Fatal("the empty string was taken for a task state")
	}
}

func TestNewerThanLooksIntoNestedObjects(t *testing.T) {
	inst := new(objects.Instance)
	inst.UUID.Set("3f1b2c4d-1111-4222-8333-444455556666")
	fault := new(objects.InstanceFault)
	fault.Code.Set(500)
	inst.Fault.Set(fault)
	p, err := inst.ToPrimitive()
	if err != nil {
		t.Fatal(err)
	}
	local := objects.LocalManifest()
	if newerThan(p, local) {
		t.Fatal("an object at the local versions is newer than the local manifest")
	}
	if !newerThan(p, objects.Manifest{"Instance": "1.1"}) {
		t.Fatal("Instance 1.2 is not newer than 1.1")
	}
	// Another major is not "newer": no backport can produce it.
	if newerThan(p, objects.Manifest{"Instance": inst.ObjVersion(), "InstanceFault": "0.9"}) {
		t.Fatal("a manifest of another major counts as older")
	}
	// A nested object newer than the manifest is found.
	fl := new(objects.Flavor)
	fl.Description.Set("d")
	inst.Flavor.Set(fl)
	if p, err = inst.ToPrimitive(); err != nil {
		t.Fatal(err)
	}
	if !newerThan(p, objects.Manifest{"Instance": inst.ObjVersion(), "Flavor": "1.0"}) {
		t.Fatal("a nested Flavor 1.1 is not newer than 1.0")
	}
	if newerThan(p, objects.Manifest{}) {
		t.Fatal("objects missing from the manifest count as newer")
	}
}
