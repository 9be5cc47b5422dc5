package objects

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// sampleMode selects how samplePrimitive fills nullable fields.
type sampleMode int

const (
	withValues sampleMode = iota // every field gets a value
	withNulls                    // nullable fields are null
)

// samplePrimitive builds, from the schema alone, a primitive of the named
// object at its current version with every field set. It is built by hand
// (not by ToPrimitive) so that round-trip tests compare the encoder against
// an independent expectation.
func samplePrimitive(t testing.TB, name string, mode sampleMode) Primitive {
	t.Helper()
	s := schemasByName[name]
	if s == nil {
		t.Fatalf("no schema %q", name)
	}
	data := map[string]any{}
	for _, f := range s.fields {
		if mode == withNulls && f.nullable {
			data[f.name] = nil
			continue
		}
		data[f.name] = sampleValue(t, f.name, f.codec, mode)
	}
	return Primitive{
		KeyName:      name,
		KeyNamespace: Namespace,
		KeyVersion:   s.version.String(),
		KeyData:      data,
	}
}

func sampleValue(t testing.TB, field string, c *codec, mode sampleMode) any {
	switch {
	case c.name == "String":
		return "s-" + field
	case c.name == "UUID":
		return uuid.NewSHA1(uuid.NameSpaceOID, []byte(field)).String()
	case c.name == "IPAddress":
		return "192.0.2.10"
	case c.name == "Integer":
		return int64(100*len(field) + 7)
	case c.name == "Float":
		return 1.5
	case c.name == "Boolean":
		return true
	case c.name == "DateTime":
		return "2024-05-01T12:30:00.123456Z"
	case c.name == "List(String)":
		return []any{"a-" + field, "b-" + field}
	case c.name == "List(Integer)":
		return []any{int64(5900), int64(5901)}
	case c.name == "Dict(String)":
		return map[string]any{"hw:cpu_policy": "dedicated", "k": field}
	case strings.HasPrefix(c.name, "Enum("):
		return c.values[len(c.values)-1]
	case c.list:
		return []any{samplePrimitive(t, c.child, mode), samplePrimitive(t, c.child, mode)}
	case c.child != "":
		return samplePrimitive(t, c.child, mode)
	}
	t.Fatalf("no sample for %s (%s)", field, c.name)
	return nil
}

// plain turns nested Primitives into map[string]any so primitives built by
// hand, by ToPrimitive and by msgpack compare equal with reflect.DeepEqual.
func plain(v any) any {
	switch x := v.(type) {
	case Primitive:
		return plain(map[string]any(x))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

func samePrimitive(t testing.TB, what string, got, want Primitive) {
	t.Helper()
	if !reflect.DeepEqual(plain(got), plain(want)) {
		t.Errorf("%s:\n got  %v\n want %v", what, plain(got), plain(want))
	}
}

func mustDecode(t testing.TB, p Primitive) Object {
	t.Helper()
	o, err := Decode(p)
	if err != nil {
		t.Fatalf("Decode(%s): %v", p.Name(), err)
	}
	return o
}

func mustPrimitive(t testing.TB, o Object) Primitive {
	t.Helper()
	p, err := o.ToPrimitive()
	if err != nil {
		t.Fatalf("%s.ToPrimitive: %v", o.ObjName(), err)
	}
	return p
}

func dataOf(t testing.TB, p Primitive) map[string]any {
	t.Helper()
	d, ok := asMap(p[KeyData])
	if !ok {
		t.Fatalf("%s has no data map", p.Name())
	}
	return d
}

const testUUID = "9e2a3c4e-6d3b-4c34-8a51-3d8cbb0f1a11"
