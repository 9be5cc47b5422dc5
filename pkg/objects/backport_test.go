package objects

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// checkShape verifies that p, and every primitive nested in it, is exactly
// what a receiver at the manifest's versions expects: the manifest version,
// and the sample's fields minus those added later.
func checkShape(t *testing.T, p Primitive, m Manifest) {
	t.Helper()
	s := schemasByName[p.Name()]
	want := mustVersion(m[s.name])
	if p.Version() != want.String() {
		t.Errorf("%s sent as %s, manifest says %s", s.name, p.Version(), want)
	}
	data := dataOf(t, p)
	for _, f := range s.fields {
		val, present := data[f.name]
		if present != !want.Less(f.added) {
			t.Errorf("%s %s: field %s (added %s) present=%v", s.name, want, f.name, f.added, present)
		}
		if !present || f.codec.child == "" || val == nil {
			continue
		}
		elems := []any{val}
		if f.codec.list {
			elems = val.([]any)
		}
		for _, e := range elems {
			cp, _ := asMap(e)
			checkShape(t, cp, m)
		}
	}
}

// For every object with history and every older minor of it, every
// registered object (so the object itself and everything nesting it) is
// backported to the manifest, drops exactly the newer fields, and still
// decodes here with the older fields' values intact.
func TestBackportToEveryOlderMinor(t *testing.T) {
	for _, name := range Registered() {
		s := schemasByName[name]
		for minor := range s.version.Minor {
			target := Version{s.version.Major, minor}
			m := LocalManifest()
			m[name] = target.String()
			for _, outer := range Registered() {
				t.Run(fmt.Sprintf("%s@%s/in/%s", name, target, outer), func(t *testing.T) {
					sample := samplePrimitive(t, outer, withValues)
					o := mustDecode(t, sample)
					p, err := o.ObjToPrimitive("", m)
					if err != nil {
						t.Fatal(err)
					}
					checkShape(t, p, m)
					back := mustDecode(t, p)
					again, err := back.ObjToPrimitive("", m)
					if err != nil {
						t.Fatal(err)
					}
					samePrimitive(t, "decode of backported primitive", again, p)
				})
			}
		}
	}
}

func TestBackportMigrationDropsProgress(t *testing.T) {
	m := new(Migration)
	m.UUID.Set(testUUID)
	m.MigrationType.Set(MigrationTypeLiveMigration)
	m.Status.Set(MigrationRunning)
	m.MemoryTotal.Set(8 << 30)
	m.MemoryRemaining.Set(1 << 30)
	p, err := m.ObjToPrimitive("1.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	d := dataOf(t, p)
	if _, ok := d["memory_total"]; ok || p.Version() != "1.0" {
		t.Errorf("1.0 primitive still has memory_total (version %s): %v", p.Version(), d)
	}
	if d["status"] != "running" {
		t.Errorf("status lost: %v", d)
	}
	if got := p[KeyChanges]; !reflect.DeepEqual(got, []any{"migration_type", "status", "uuid"}) {
		t.Errorf("changes = %v: dropped fields must leave the change list", got)
	}
	// The object itself is untouched.
	if m.MemoryTotal.Get() != 8<<30 {
		t.Error("backport modified the object")
	}
}

// Decoding an older minor fills the newer fields' defaults, unchanged, as
// nova's obj_load_attr does, and leaves defaultless ones unset.
func TestDecodeOlderMinorAppliesDefaults(t *testing.T) {
	p := samplePrimitive(t, "Instance", withValues)
	o := mustDecode(t, p)
	old, err := o.ObjToPrimitive("1.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	inst := mustDecode(t, old).(*Instance)
	if !inst.Hidden.IsSet() || inst.Hidden.Get() {
		t.Errorf("hidden: set %v value %v, want default false", inst.Hidden.IsSet(), inst.Hidden.Get())
	}
	if inst.Fault.IsSet() {
		t.Error("fault set from a 1.0 primitive")
	}
	if len(inst.ObjWhatChanged()) != 0 {
		t.Errorf("defaults marked changed: %v", inst.ObjWhatChanged())
	}
}

func TestBackportTargets(t *testing.T) {
	inst := mustDecode(t, samplePrimitive(t, "Instance", withValues))
	for _, target := range []string{"2.0", "0.9", "1.3", "one"} {
		_, err := inst.ObjToPrimitive(target, nil)
		var itv *InvalidTargetVersion
		if err == nil || (target != "one" && !errors.As(err, &itv)) {
			t.Errorf("target %s: err %v", target, err)
		}
	}
	// A receiver newer than us reads our version.
	p, err := inst.ObjToPrimitive("", Manifest{"Instance": "1.7", "Flavor": "1.0"})
	if err != nil || p.Version() != "1.2" {
		t.Fatalf("newer manifest: version %s, err %v", p.Version(), err)
	}
	if fl, _ := asMap(dataOf(t, p)["flavor"]); Primitive(fl).Version() != "1.0" {
		t.Errorf("flavor sent as %s, manifest says 1.0", Primitive(fl).Version())
	}
	if _, err := inst.ObjToPrimitive("", Manifest{"Flavor": "2.0"}); err == nil {
		t.Error("backport to another major of a nested object succeeded")
	}
}

// The round trip the RPC layer runs: the receiver refuses a version it does
// not know, the error carries the outermost primitive, and the conductor's
// Backport turns it into what the receiver's manifest asks for.
func TestIncompatibleVersionCarriesPrimitiveForBackport(t *testing.T) {
	spec := samplePrimitive(t, "RequestSpec", withValues)
	dest, _ := asMap(dataOf(t, spec)["requested_destination"])
	dest[KeyVersion] = "1.9"
	_, err := Decode(spec)
	var iv *IncompatibleObjectVersion
	if !errors.As(err, &iv) {
		t.Fatalf("err = %v, want *IncompatibleObjectVersion", err)
	}
	if iv.Name != "Destination" || iv.Got != "1.9" || iv.Supported != "1.1" || iv.Primitive.Name() != "RequestSpec" {
		t.Errorf("error = %+v", iv)
	}

	// The same through msgpack inside an RPC struct, where the RPC layer
	// meets it.
	b, err := msgpack.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	var msg struct{ Spec *RequestSpec }
	err = msgpack.Unmarshal(append([]byte{0x81, 0xa4, 'S', 'p', 'e', 'c'}, b...), &msg)
	// msgpack allocates the *RequestSpec before decoding into it; it must
	// stay empty.
	if !errors.As(err, &iv) || iv.Name != "Destination" || iv.Primitive.Name() != "RequestSpec" || (msg.Spec != nil && msg.Spec.ObjAttrIsSet("instance_uuid")) {
		t.Errorf("through msgpack: err %v, spec %v", err, msg.Spec)
	}

	dest[KeyVersion] = "1.1"
	receiver := Manifest{"RequestSpec": "1.0", "Destination": "1.0", "Flavor": "1.0"}
	out, err := Backport(spec, receiver)
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, out, Manifest{"RequestSpec": "1.0", "Destination": "1.0", "Flavor": "1.0"})
	if _, err := Backport(Primitive{KeyName: "Nope", KeyNamespace: "nova"}, receiver); err == nil {
		t.Error("Backport of an unknown object succeeded")
	}
}

// Objects whose change is not a plain addition use a backport hook, which
// runs after the generic drop with the target version.
func TestBackportHook(t *testing.T) {
	s := *schemasByName["Destination"]
	var sawTarget Version
	s.backport = func(data map[string]any, target Version) error {
		sawTarget = target
		if h, ok := data["host"].(string); ok {
			data["host"] = "legacy-" + h
		}
		return nil
	}
	p := samplePrimitive(t, "Destination", withValues)
	if err := backportPrimitive(p, &s, Version{1, 0}, nil); err != nil {
		t.Fatal(err)
	}
	d := dataOf(t, p)
	if sawTarget != (Version{1, 0}) || d["host"] != "legacy-s-host" {
		t.Errorf("hook saw %v, host %v", sawTarget, d["host"])
	}
	if _, ok := d["aggregates"]; ok {
		t.Error("generic drop did not run before the hook")
	}
	s.backport = func(map[string]any, Version) error { return errors.New("cannot") }
	if err := backportPrimitive(samplePrimitive(t, "Destination", withValues), &s, Version{1, 0}, nil); err == nil {
		t.Error("hook error was swallowed")
	}
}
