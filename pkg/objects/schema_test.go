package objects

import (
	"reflect"
	"strings"
	"testing"
)

// Test-only object shapes, each wrong in one way (plus one right).
type (
	okObj struct {
		base[okObj]
		A Field[int]               `obj:"a,required"`
		B Nullable[string]         `obj:"b,added=1.1,default=null"`
		C Field[bool]              `obj:"c,added=1.1,required,default=true"`
		D Field[[]string]          `obj:"d"`
		E Nullable[*Flavor]        `obj:"e"`
		F Field[[]*Flavor]         `obj:"f"`
		G Field[PowerState]        `obj:"g,default=1"`
		H Field[float64]           `obj:"h,default=1.5"`
		I Nullable[VMState]        `obj:"i,default=active"`
		J Field[map[string]string] `obj:"j"`
	}
	baseNotFirst struct {
		A Field[int] `obj:"a"`
		base[baseNotFirst]
	}
	noTag struct {
		base[noTag]
		A Field[int]
	}
	notASlot struct {
		base[notASlot]
		A int `obj:"a"`
	}
	badOption struct {
		base[badOption]
		A Field[int] `obj:"a,colour=red"`
	}
	dupName struct {
		base[dupName]
		A Field[int] `obj:"a"`
		B Field[int] `obj:"a"`
	}
	addedTooNew struct {
		base[addedTooNew]
		A Field[int] `obj:"a,added=1.2"`
	}
	addedOtherMajor struct {
		base[addedOtherMajor]
		A Field[int] `obj:"a,added=0.1"`
	}
	requiredNullable struct {
		base[requiredNullable]
		A Nullable[int] `obj:"a,required"`
	}
	requiredLateNoDefault struct {
		base[requiredLateNoDefault]
		A Field[int] `obj:"a,required,added=1.1"`
	}
	nullDefaultOnField struct {
		base[nullDefaultOnField]
		A Field[int] `obj:"a,default=null"`
	}
	badDefault struct {
		base[badDefault]
		A Field[int] `obj:"a,default=many"`
	}
	listDefault struct {
		base[listDefault]
		A Field[[]string] `obj:"a,default=x"`
	}
	badEnumDefault struct {
		base[badEnumDefault]
		A Field[MigrationType] `obj:"a,default=teleport"`
	}
	uuidOnInt struct {
		base[uuidOnInt]
		A Field[int] `obj:"a,uuid"`
	}
	noCodec struct {
		base[noCodec]
		A Field[map[int]string] `obj:"a"`
	}
	emptyName struct {
		base[emptyName]
		A Field[int] `obj:",required"`
	}
)

func build[T any](version string, history ...string) error {
	_, err := buildSchema(reflect.TypeFor[T](), reflect.TypeFor[base[T]](), spec{version: version, history: history})
	return err
}

func TestSchemaValidation(t *testing.T) {
	h11 := []string{"1.0: Initial version", "1.1: More"}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"base not first", build[baseNotFirst]("1.0", "1.0: x"), "first field"},
		{"no tag", build[noTag]("1.0", "1.0: x"), "no obj tag"},
		{"not a slot", build[notASlot]("1.0", "1.0: x"), "want Field[T] or Nullable[T]"},
		{"bad option", build[badOption]("1.0", "1.0: x"), "unknown tag option"},
		{"duplicate wire name", build[dupName]("1.0", "1.0: x"), "used twice"},
		{"added after version", build[addedTooNew]("1.1", h11...), "added=1.2"},
		{"added in another major", build[addedOtherMajor]("1.1", h11...), "added=0.1"},
		{"required nullable", build[requiredNullable]("1.0", "1.0: x"), "cannot be nullable"},
		{"required added later without default", build[requiredLateNoDefault]("1.1", h11...), "needs a default"},
		{"null default on Field", build[nullDefaultOnField]("1.0", "1.0: x"), "non-nullable"},
		{"unparsable default", build[badDefault]("1.0", "1.0: x"), "default=many"},
		{"default on a list", build[listDefault]("1.0", "1.0: x"), "no default"},
		{"default outside the enum", build[badEnumDefault]("1.0", "1.0: x"), "teleport"},
		{"uuid on an int", build[uuidOnInt]("1.0", "1.0: x"), "need a string"},
		{"type without codec", build[noCodec]("1.0", "1.0: x"), "no codec"},
		{"empty wire name", build[emptyName]("1.0", "1.0: x"), "empty wire name"},
		{"bad version", build[okObj]("1", "1.0: x"), "X.Y"},
		{"history too short", build[okObj]("1.1", "1.0: x"), "one per version"},
		{"history out of order", build[okObj]("1.1", "1.1: x", "1.0: y"), "start with \"1.0: \""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("schema accepted")
			}
			if !strings.Contains(tc.err.Error(), tc.want) {
				t.Errorf("err %q does not say %q", tc.err, tc.want)
			}
		})
	}
	if err := build[okObj]("1.1", h11...); err != nil {
		t.Errorf("valid schema refused: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	names := Registered()
	want := []string{"ComputeNode", "Destination", "Flavor", "Instance", "InstanceAction", "InstanceActionEvent",
		"InstanceFault", "LiveMigrateData", "Migration", "MigrationList", "RequestSpec", "SchedulerLimits", "Selection", "Service"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("Registered() = %v", names)
	}
	m := LocalManifest()
	for _, name := range names {
		o, err := New(name)
		if err != nil {
			t.Fatal(err)
		}
		if o.ObjName() != name || m[name] != o.ObjVersion() {
			t.Errorf("New(%s) = %s %s, manifest %s", name, o.ObjName(), o.ObjVersion(), m[name])
		}
		// Every nested object type a schema names is registered.
		for _, f := range schemasByName[name].fields {
			if f.codec.child != "" && schemasByName[f.codec.child] == nil {
				t.Errorf("%s.%s holds unregistered %s", name, f.name, f.codec.child)
			}
		}
	}
	if _, err := New("Spaceship"); err == nil {
		t.Error("New of an unknown name succeeded")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "registered twice") {
			t.Errorf("second registration of Destination: recover() = %v", r)
		}
	}()
	register[Destination](spec{version: "1.1", history: []string{"1.0: a", "1.1: b"}})
}
