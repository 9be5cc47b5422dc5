package objects

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// MarshalJSON renders the object as a plain JSON object of its set fields,
// keyed by wire name, in declaration order, with nested objects rendered the
// same way: what a CLI prints for -o json, not the wire form.
func (b *base[T]) MarshalJSON() ([]byte, error) {
	r := b.ref()
	var buf bytes.Buffer
	buf.WriteByte('{')
	n := 0
	for _, f := range r.s.fields {
		sl := r.slot(f)
		if !sl.state().set {
			continue
		}
		v, err := json.Marshal(sl.value())
		if err != nil {
			return nil, fmt.Errorf("objects: %s field %q: %w", r.s.name, f.name, err)
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		k, _ := json.Marshal(f.name)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads the plain form MarshalJSON writes (so a JSON store or
// a CLI's input round-trips), with the same checks as the wire decoder. The
// plain form has no version or change list: it is taken as this code's
// version, and the decoded object has no changes.
func (b *base[T]) UnmarshalJSON(data []byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return &DecodeError{Object: b.ref().s.name, Err: fmt.Errorf("%w: %v", ErrMalformed, err)}
	}
	return b.ObjFromPrimitive(plainToPrimitive(b.ref().s, m))
}

// plainToPrimitive wraps plain JSON fields in an envelope at s's version and
// turns JSON numbers into what each field's codec expects. Values it does not
// understand are passed on unchanged for the decoder to refuse.
func plainToPrimitive(s *schema, m map[string]any) Primitive {
	data := make(map[string]any, len(m))
	for k, v := range m {
		data[k] = v
		if f := s.byName[k]; f != nil {
			data[k] = plainValue(f.codec, v)
		}
	}
	return Primitive{KeyName: s.name, KeyNamespace: Namespace, KeyVersion: s.version.String(), KeyData: data}
}

func plainValue(c *codec, v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainValue(c, e)
		}
		return out
	case map[string]any:
		if cs := schemasByName[c.child]; cs != nil {
			return plainToPrimitive(cs, x)
		}
	}
	return v
}

// String renders the set fields for logs, like oslo's repr:
// Instance(host="cmp1",task_state=None,...).
func (b *base[T]) String() string {
	r := b.ref()
	var parts []string
	for _, f := range r.s.fields {
		sl := r.slot(f)
		if !sl.state().set {
			continue
		}
		v := sl.value()
		switch x := v.(type) {
		case nil:
			parts = append(parts, f.name+"=None")
		case fmt.Stringer:
			parts = append(parts, fmt.Sprintf("%s=%s", f.name, x))
		default:
			parts = append(parts, fmt.Sprintf("%s=%#v", f.name, v))
		}
	}
	return r.s.name + "(" + strings.Join(parts, ",") + ")"
}
