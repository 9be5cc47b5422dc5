package objects

import (
	"errors"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// edit returns a sample primitive of name with change applied to a copy.
func edit(t *testing.T, name string, change func(p Primitive, data map[string]any)) Primitive {
	p := samplePrimitive(t, name, withValues)
	change(p, dataOf(t, p))
	return p
}

func TestUnknownAndIncompatibleObjects(t *testing.T) {
	tests := []struct {
		name string
		p    Primitive
		// check returns "" when err is the expected kind.
		check func(err error) string
		words []string
	}{
		{
			name: "unknown object",
			p:    edit(t, "Destination", func(p Primitive, _ map[string]any) { p[KeyName] = "Spaceship" }),
			check: func(err error) string {
				var u *UnsupportedObjectError
				if !errors.As(err, &u) || u.Name != "Spaceship" {
					return "want *UnsupportedObjectError for Spaceship"
				}
				return ""
			},
			words: []string{"Spaceship", "unknown object"},
		},
		{
			name: "wrong namespace",
			p:    edit(t, "Destination", func(p Primitive, _ map[string]any) { p[KeyNamespace] = "versionedobjects" }),
			check: func(err error) string {
				var u *UnsupportedObjectError
				if !errors.As(err, &u) || u.Namespace != "versionedobjects" {
					return "want *UnsupportedObjectError with the namespace"
				}
				return ""
			},
			words: []string{"Destination", "versionedobjects", "nova"},
		},
		{name: "newer major", p: withVersion(t, "Instance", "2.0"), check: incompatible("Instance", "2.0", "1.2"), words: []string{"Instance", "2.0", "1.2"}},
		{name: "older major", p: withVersion(t, "Instance", "0.9"), check: incompatible("Instance", "0.9", "1.2"), words: []string{"Instance", "0.9"}},
		{name: "newer minor", p: withVersion(t, "Migration", "1.2"), check: incompatible("Migration", "1.2", "1.1"), words: []string{"Migration", "1.2", "1.1", "backport"}},
		{
			name:  "newer minor of a nested object",
			p:     edit(t, "Selection", func(_ Primitive, d map[string]any) { d["limits"].(Primitive)[KeyVersion] = "1.1" }),
			check: incompatible("SchedulerLimits", "1.1", "1.0"),
			words: []string{"SchedulerLimits", "limits"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.p)
			if err == nil {
				t.Fatal("decoded")
			}
			if msg := tc.check(err); msg != "" {
				t.Errorf("%s; got %T: %v", msg, err, err)
			}
			for _, w := range tc.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func withVersion(t *testing.T, name, v string) Primitive {
	return edit(t, name, func(p Primitive, _ map[string]any) { p[KeyVersion] = v })
}

func incompatible(name, got, supported string) func(error) string {
	return func(err error) string {
		var iv *IncompatibleObjectVersion
		if !errors.As(err, &iv) || iv.Name != name || iv.Got != got || iv.Supported != supported {
			return "want *IncompatibleObjectVersion{" + name + " " + got + " " + supported + "}"
		}
		return ""
	}
}

func TestMalformedPrimitives(t *testing.T) {
	tests := []struct {
		name  string
		p     any
		is    error
		field string
	}{
		{"not a map", []any{1}, ErrMalformed, ""},
		{"no name", Primitive{KeyNamespace: "nova"}, ErrMalformed, ""},
		{"name not a string", edit(t, "Destination", func(p Primitive, _ map[string]any) { p[KeyName] = 7 }), ErrMalformed, ""},
		{"no namespace", edit(t, "Destination", func(p Primitive, _ map[string]any) { delete(p, KeyNamespace) }), ErrMalformed, ""},
		{"bad version", withVersion(t, "Destination", "1.x"), ErrMalformed, ""},
		{"signed version", withVersion(t, "Destination", "+1.0"), ErrMalformed, ""},
		{"no data", edit(t, "Destination", func(p Primitive, _ map[string]any) { delete(p, KeyData) }), ErrMalformed, ""},
		{"unknown envelope key", edit(t, "Destination", func(p Primitive, _ map[string]any) { p["nova_object.extra"] = 1 }), ErrMalformed, ""},
		{"changes not a list", edit(t, "Destination", func(p Primitive, _ map[string]any) { p[KeyChanges] = "host" }), ErrMalformed, ""},
		{"changes not strings", edit(t, "Destination", func(p Primitive, _ map[string]any) { p[KeyChanges] = []any{1} }), ErrMalformed, ""},
		{"change of an absent field", edit(t, "Destination", func(p Primitive, d map[string]any) { delete(d, "node"); p[KeyChanges] = []any{"node"} }), ErrMalformed, ""},

		{"unknown field", edit(t, "Instance", func(_ Primitive, d map[string]any) { d["colour"] = "red" }), ErrUnknownField, "colour"},
		{"field newer than the claimed version", edit(t, "Migration", func(p Primitive, d map[string]any) {
			p[KeyVersion] = "1.0"
			for _, k := range []string{"memory_processed", "memory_remaining", "disk_total", "disk_processed", "disk_remaining"} {
				delete(d, k)
			}
		}), ErrUnknownField, "memory_total"},
		{"missing required", edit(t, "Instance", func(_ Primitive, d map[string]any) { delete(d, "uuid") }), ErrMissingField, "uuid"},
		{"missing required in nested", edit(t, "RequestSpec", func(_ Primitive, d map[string]any) {
			delete(dataOf(t, d["requested_destination"].(Primitive)), "host")
		}), ErrMissingField, "requested_destination"},
		{"null in non-nullable", edit(t, "Instance", func(_ Primitive, d map[string]any) { d["locked"] = nil }), ErrNotNullable, "locked"},

		{"string for integer", edit(t, "Instance", func(_ Primitive, d map[string]any) { d["memory_mb"] = "512" }), ErrWrongType, "memory_mb"},
		{"integer for string", edit(t, "Instance", func(_ Primitive, d map[string]any) { d["host"] = int64(1) }), ErrWrongType, "host"},
		{"string for boolean", edit(t, "Instance", func(_ Primitive, d map[string]any) { d["locked"] = "false" }), ErrWrongType, "locked"},
		{"bool for float", edit(t, "ComputeNode", func(_ Primitive, d map[string]any) { d["cpu_allocation_ratio"] = true }), ErrWrongType, "cpu_allocation_ratio"},
		{"bad uuid", edit(t, "Instance", func(_ Primitive, d map[string]any) { d["uuid"] = "fake-uuid" }), ErrWrongType, "uuid"},
		{"bad ip", edit(t, "ComputeNode", func(_ Primitive, d map[string]any) { d["host_ip"] = "cmp1" }), ErrWrongType, "host_ip"},
		{"bad enum", edit(t, "Migration", func(_ Primitive, d map[string]any) { d["migration_type"] = "teleport" }), ErrWrongType, "migration_type"},
		{"bad date-time", edit(t, "Instance", func(_ Primitive, d map[string]any) { d["launched_at"] = "yesterday" }), ErrWrongType, "launched_at"},
		{"date-time beyond year 9999 in UTC", edit(t, "Instance", func(_ Primitive, d map[string]any) { d["launched_at"] = "9999-12-31T23:30:00-01:00" }), ErrWrongType, "launched_at"},
		{"list element", edit(t, "RequestSpec", func(_ Primitive, d map[string]any) { d["ignore_hosts"] = []any{"a", 2} }), ErrWrongType, "ignore_hosts"},
		{"list for string list", edit(t, "RequestSpec", func(_ Primitive, d map[string]any) { d["ignore_hosts"] = "a" }), ErrWrongType, "ignore_hosts"},
		{"dict value", edit(t, "Instance", func(_ Primitive, d map[string]any) { d["metadata"] = map[string]any{"k": 1} }), ErrWrongType, "metadata"},
		{"integer overflow", edit(t, "Selection", func(_ Primitive, d map[string]any) {
			d["limits"].(Primitive)[KeyData].(map[string]any)["vcpu"] = uint64(1 << 63)
		}), ErrWrongType, "limits"},
		{"object of the wrong name", edit(t, "RequestSpec", func(_ Primitive, d map[string]any) {
			d["requested_destination"] = samplePrimitive(t, "Flavor", withValues)
		}), ErrWrongType, "requested_destination"},
		{"scalar for object", edit(t, "RequestSpec", func(_ Primitive, d map[string]any) { d["flavor"] = "m1.small" }), ErrMalformed, "flavor"},
		{"bad element in object list", edit(t, "MigrationList", func(_ Primitive, d map[string]any) {
			d["objects"] = []any{samplePrimitive(t, "Migration", withValues), "x"}
		}), ErrMalformed, "objects"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := Decode(tc.p)
			if err == nil {
				t.Fatalf("decoded %v", o)
			}
			if o != nil {
				t.Error("a failed decode returned an object")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.is)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err %T is not a *DecodeError", err)
			}
			if de.Field != tc.field {
				t.Errorf("DecodeError.Field = %q, want %q (%v)", de.Field, tc.field, err)
			}
			if tc.field != "" && (!strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), de.Object)) {
				t.Errorf("message %q does not name the object and field", err)
			}
		})
	}
}

// A failed decode leaves the destination exactly as it was, whether called
// directly or from msgpack inside a struct.
func TestFailedDecodeLeavesObjectUntouched(t *testing.T) {
	inst := mustDecode(t, samplePrimitive(t, "Instance", withValues)).(*Instance)
	inst.Host.Set("keep")
	before := mustPrimitive(t, inst)

	bad := edit(t, "Instance", func(_ Primitive, d map[string]any) {
		d["host"] = "new"
		d["vcpus"] = "four" // checked after host, alphabetically
	})
	if err := inst.ObjFromPrimitive(bad); err == nil {
		t.Fatal("bad primitive decoded")
	}
	samePrimitive(t, "object after failed ObjFromPrimitive", mustPrimitive(t, inst), before)

	b, err := msgpack.Marshal(bad)
	if err != nil {
		t.Fatal(err)
	}
	msg := struct{ I *Instance }{inst}
	if err := msgpack.Unmarshal(append([]byte{0x81, 0xa1, 'I'}, b...), &msg); err == nil {
		t.Fatal("bad msgpack decoded")
	}
	samePrimitive(t, "object after failed DecodeMsgpack", mustPrimitive(t, inst), before)
}

func TestMalformedMsgpack(t *testing.T) {
	good, err := Marshal(mustDecode(t, samplePrimitive(t, "Destination", withValues)))
	if err != nil {
		t.Fatal(err)
	}
	deep := []byte{}
	for range 100 {
		deep = append(deep, 0x91) // fixarray of 1
	}
	deep = append(deep, 0xc0)
	tests := map[string][]byte{
		"empty":          {},
		"truncated":      good[:len(good)-3],
		"trailing bytes": append(append([]byte{}, good...), 0xc0),
		"not a map":      {0x93, 1, 2, 3},
		"int key":        {0x81, 0x01, 0x02},
		"duplicate key":  {0x82, 0xa1, 'a', 1, 0xa1, 'a', 2},
		"ext type":       {0x81, 0xa1, 'a', 0xd4, 0x01, 0x00},
		"uint64 > int64": {0x81, 0xa1, 'a', 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"deep nesting":   append([]byte{0x81, 0xa1, 'a'}, deep...),
		"huge array len": {0x81, 0xa1, 'a', 0xdd, 0xff, 0xff, 0xff, 0xff},
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			o, err := Unmarshal(b)
			if err == nil {
				t.Fatalf("decoded %v", o)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
	if _, err := Unmarshal(good); err != nil {
		t.Fatalf("control: %v", err)
	}
}

func TestAnyDecodesNilAndRefusesGarbage(t *testing.T) {
	var a Any
	if err := msgpack.Unmarshal([]byte{0xc0}, &a); err != nil || a.Object != nil {
		t.Errorf("nil: %v %v", a.Object, err)
	}
	if err := msgpack.Unmarshal([]byte{0x01}, &a); err == nil {
		t.Error("Any accepted an integer")
	}
}
