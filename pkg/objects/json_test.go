package objects

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// JSON is for people and CLIs: plain field names, nested objects inline,
// nulls as null, unset fields absent, no nova_object.* envelope.
func TestMarshalJSON(t *testing.T) {
	inst := new(Instance)
	inst.UUID.Set(testUUID)
	inst.Host.Set("cmp1")
	inst.TaskState.SetNull()
	inst.PowerState.Set(PowerRunning)
	inst.LaunchedAt.Set(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	fault := new(InstanceFault)
	fault.Message.Set("No valid host was found")
	fault.Code.Set(500)
	inst.Fault.Set(fault)

	b, err := json.Marshal(inst)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"uuid":"` + testUUID + `","host":"cmp1","task_state":null,"power_state":1,` +
		`"launched_at":"2024-05-01T12:00:00Z","fault":{"code":500,"message":"No valid host was found"}}`
	if string(b) != want {
		t.Errorf("JSON\n got  %s\n want %s", b, want)
	}
	if strings.Contains(string(b), "nova_object") {
		t.Error("JSON carries the wire envelope")
	}

	// Every object renders to valid JSON, however full.
	for _, name := range Registered() {
		o := mustDecode(t, samplePrimitive(t, name, withValues))
		b, err := json.Marshal(o)
		if err != nil || !json.Valid(b) {
			t.Errorf("%s: %v %s", name, err, b)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || len(m) != len(o.ObjFields()) {
			t.Errorf("%s: %d keys for %d fields (%v)", name, len(m), len(o.ObjFields()), err)
		}
	}
}

func TestString(t *testing.T) {
	d := new(Destination)
	d.Host.Set("cmp2")
	d.Node.SetNull()
	if got := d.String(); got != `Destination(host="cmp2",node=None)` {
		t.Errorf("String() = %s", got)
	}
	inst := new(Instance)
	inst.PowerState.Set(PowerPaused)
	if got := inst.String(); got != "Instance(power_state=paused)" {
		t.Errorf("String() = %s", got)
	}
}

// The plain JSON form reads back (a JSON store or `-o json` output piped
// back in), through the same checks as the wire.
func TestUnmarshalJSON(t *testing.T) {
	for _, name := range Registered() {
		for _, mode := range []sampleMode{withValues, withNulls} {
			want := samplePrimitive(t, name, mode)
			o := mustDecode(t, want)
			b, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			back, err := New(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, back); err != nil {
				t.Fatalf("%s: %v\n%s", name, err, b)
			}
			samePrimitive(t, name+" through JSON", mustPrimitive(t, back), want)
		}
	}
	var d Destination
	for _, bad := range []string{`{"host": 5}`, `{"node": "x"}`, `{"host": "a", "colour": 1}`, `[1]`, `{"host":`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	var l MigrationList
	if err := json.Unmarshal([]byte(`{"objects":[{"uuid":"`+testUUID+`","migration_type":"live-migration","memory_total":1.5}]}`), &l); err == nil {
		t.Error("accepted a fractional byte count")
	}
}
