package objects

import (
	"fmt"
	"reflect"
)

// toPrimitive encodes every set field at the object's own version; nested
// objects encode themselves the same way.
func (r objRef) toPrimitive() (Primitive, error) {
	data := make(map[string]any, len(r.s.fields))
	for _, f := range r.s.fields {
		sl := r.slot(f)
		st := sl.state()
		if !st.set {
			continue
		}
		p, err := f.encodeValue(sl)
		if err != nil {
			return nil, fmt.Errorf("objects: encoding %s field %q: %w", r.s.name, f.name, err)
		}
		data[f.name] = p
	}
	p := Primitive{
		KeyName:      r.s.name,
		KeyNamespace: Namespace,
		KeyVersion:   r.s.version.String(),
		KeyData:      data,
	}
	// A changed field is always set, so every change is in data.
	if changes := r.whatChanged(); len(changes) > 0 {
		list := make([]any, len(changes))
		for i, c := range changes {
			list[i] = c
		}
		p[KeyChanges] = list
	}
	return p, nil
}

func (f *fieldSchema) encodeValue(sl slot) (any, error) {
	val := sl.value()
	if val == nil {
		return nil, nil
	}
	rv := reflect.ValueOf(val)
	// A nil object pointer in a Nullable is null; in a Field it is an error
	// (reported by the codec) since the receiver would refuse it.
	if f.codec.child != "" && !f.codec.list && rv.IsNil() && f.nullable {
		return nil, nil
	}
	return f.codec.encode(rv)
}
