package objects

import (
	"fmt"
	"maps"
	"slices"
)

// Decode turns a primitive (a Primitive or a map[string]any, as read from
// msgpack) into the registered object it names.
func Decode(p any) (Object, error) {
	o, err := decodeObject(p, "")
	if err != nil {
		if m, ok := asMap(p); ok {
			err = withPrimitive(err, m)
		}
		return nil, err
	}
	return o, nil
}

// DecodeAs decodes a primitive that must hold an object of type *T.
func DecodeAs[T any, P interface {
	*T
	Object
}](p Primitive) (P, error) {
	o := P(new(T))
	if err := o.ObjFromPrimitive(p); err != nil {
		return nil, err
	}
	return o, nil
}

// decodeObject decodes a primitive into a new object; expect, when not "",
// is the object name the caller's field requires.
func decodeObject(raw any, expect string) (Object, error) {
	s, err := lookupSchema(raw, expect)
	if err != nil {
		return nil, err
	}
	o := s.newObj()
	if err := o.ref().decode(raw, expect); err != nil {
		return nil, err
	}
	return o, nil
}

// lookupSchema finds the schema a primitive names, checking only what is
// needed to find it.
func lookupSchema(raw any, expect string) (*schema, error) {
	m, ok := asMap(raw)
	if !ok {
		return nil, &DecodeError{Object: expect, Err: fmt.Errorf("%w: got %s, want a map", ErrMalformed, describe(raw))}
	}
	name, ok := m[KeyName].(string)
	if !ok {
		return nil, &DecodeError{Object: expect, Err: fmt.Errorf("%w: %s is missing or not a string", ErrMalformed, KeyName)}
	}
	ns, ok := m[KeyNamespace].(string)
	if !ok {
		return nil, &DecodeError{Object: name, Err: fmt.Errorf("%w: %s is missing or not a string", ErrMalformed, KeyNamespace)}
	}
	if ns != Namespace {
		return nil, &UnsupportedObjectError{Name: name, Namespace: ns}
	}
	if expect != "" && name != expect {
		return nil, &DecodeError{Object: expect, Err: fmt.Errorf("%w: got a %s object", ErrWrongType, name)}
	}
	s := schemasByName[name]
	if s == nil {
		return nil, &UnsupportedObjectError{Name: name, Namespace: ns}
	}
	return s, nil
}

// decode fills r, a zero object, from raw. Every check runs before the
// caller publishes the object, so an error never leaves a half-decoded one
// visible.
func (r objRef) decode(raw any, expect string) error {
	s := r.s
	if _, err := lookupSchema(raw, expect); err != nil {
		return err
	}
	m, _ := asMap(raw)
	fail := func(ver, field string, err error) error {
		return &DecodeError{Object: s.name, Version: ver, Field: field, Err: err}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch k {
		case KeyName, KeyNamespace, KeyVersion, KeyData, KeyChanges:
		default:
			return fail("", "", fmt.Errorf("%w: unknown key %q", ErrMalformed, k))
		}
	}
	vs, _ := m[KeyVersion].(string)
	ver, err := ParseVersion(vs)
	if err != nil {
		return fail("", "", fmt.Errorf("%w: %s: %v", ErrMalformed, KeyVersion, err))
	}
	if ver.Major != s.version.Major || s.version.Less(ver) {
		return &IncompatibleObjectVersion{Name: s.name, Got: ver.String(), Supported: s.version.String()}
	}
	data, ok := asMap(m[KeyData])
	if !ok {
		return fail(vs, "", fmt.Errorf("%w: %s is missing or not a map", ErrMalformed, KeyData))
	}
	for _, k := range slices.Sorted(maps.Keys(data)) {
		f := s.byName[k]
		if f == nil {
			return fail(vs, k, ErrUnknownField)
		}
		if ver.Less(f.added) {
			return fail(vs, k, fmt.Errorf("%w: it was added in %s", ErrUnknownField, f.added))
		}
		if err := r.decodeField(f, data[k]); err != nil {
			return fail(vs, k, err)
		}
	}
	for _, f := range s.fields {
		if _, present := data[f.name]; present {
			continue
		}
		switch {
		case ver.Less(f.added) && f.hasDefault:
			// An older sender could not know the field: fill in
			// its default, as nova's obj_load_attr does, unchanged.
			r.slot(f).load(f.defaultVal)
		case f.required && !ver.Less(f.added):
			return fail(vs, f.name, ErrMissingField)
		}
	}
	changes, err := decodeChanges(m, data)
	if err != nil {
		return fail(vs, "", err)
	}
	for _, c := range changes {
		r.slot(s.byName[c]).state().changed = true
	}
	return nil
}

func (r objRef) decodeField(f *fieldSchema, p any) error {
	if p == nil {
		if !f.nullable {
			return ErrNotNullable
		}
		r.slot(f).load(nil)
		return nil
	}
	v, err := f.codec.decode(p)
	if err != nil {
		return err
	}
	r.slot(f).load(v.Interface())
	return nil
}

// decodeChanges checks nova_object.changes: a list naming fields that are in
// the data (a sender only lists what it sends).
func decodeChanges(m, data map[string]any) ([]string, error) {
	raw, present := m[KeyChanges]
	if !present {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s is %s, want a list", ErrMalformed, KeyChanges, describe(raw))
	}
	out := make([]string, 0, len(list))
	for _, c := range list {
		name, ok := c.(string)
		if !ok {
			return nil, fmt.Errorf("%w: %s holds %s, want field names", ErrMalformed, KeyChanges, describe(c))
		}
		if _, inData := data[name]; !inData {
			return nil, fmt.Errorf("%w: %s names %q, which is not in the data", ErrMalformed, KeyChanges, name)
		}
		out = append(out, name)
	}
	return out, nil
}
