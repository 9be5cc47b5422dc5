package store

import (
	"maps"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/objects"
)

// object is the constraint of the generic code: P is a pointer to an
// object struct T.
type object[T any] interface {
	*T
	objects.Object
}

// objectCodec stores an object as its primitive without change lists: what
// changed is a property of one writer's copy, not of the record.
func objectCodec[T any, P object[T]]() db.Codec[P] {
	return db.Codec[P]{
		Encode: func(o P) ([]byte, error) {
			p, err := storedPrimitive(o)
			if err != nil {
				return nil, err
			}
			return msgpack.Marshal(p)
		},
		Decode: func(b []byte) (P, error) {
			var p objects.Primitive
			if err := msgpack.Unmarshal(b, &p); err != nil {
				return nil, err
			}
			return fromPrimitive[T, P](p)
		},
	}
}

// storedPrimitive is o's primitive at its own version with every
// nova_object.changes removed, nested objects included.
func storedPrimitive(o objects.Object) (objects.Primitive, error) {
	p, err := o.ToPrimitive()
	if err != nil {
		return nil, err
	}
	stripChanges(p)
	return p, nil
}

func stripChanges(v any) {
	switch v := v.(type) {
	case objects.Primitive:
		stripChanges(map[string]any(v))
	case map[string]any:
		delete(v, objects.KeyChanges)
		for _, x := range v {
			stripChanges(x)
		}
	case []any:
		for _, x := range v {
			stripChanges(x)
		}
	}
}

func fromPrimitive[T any, P object[T]](p objects.Primitive) (P, error) {
	o := P(new(T))
	if err := o.ObjFromPrimitive(p); err != nil {
		return nil, err
	}
	return o, nil
}

// checked returns a copy of o made by encoding it and decoding the result:
// the decoder's checks (required fields, formats, nullability) are the
// definition of a well-formed object, and the copy has no changes.
func checked[T any, P object[T]](o P) (P, error) {
	p, err := storedPrimitive(o)
	if err != nil {
		return nil, err
	}
	return fromPrimitive[T, P](p)
}

// dataOf returns the nova_object.data map of a primitive made by ToPrimitive.
func dataOf(p objects.Primitive) map[string]any {
	d, _ := p[objects.KeyData].(map[string]any)
	return d
}

// merge returns cur with the named fields taken from changed: the record a
// save of changed produces. Fields changed to unset cannot exist (a changed
// field is always set), so every name is in changed's data.
func merge[T any, P object[T]](cur, changed P, names []string) (P, error) {
	cp, err := storedPrimitive(cur)
	if err != nil {
		return nil, err
	}
	chp, err := storedPrimitive(changed)
	if err != nil {
		return nil, err
	}
	data, chData := dataOf(cp), dataOf(chp)
	for _, n := range names {
		data[n] = chData[n]
	}
	return fromPrimitive[T, P](cp)
}

// plain turns nested Primitives into map[string]any so DeepEqual compares
// values, not the named map type.
func plain(v any) any {
	switch v := v.(type) {
	case objects.Primitive:
		return plain(map[string]any(v))
	case map[string]any:
		out := maps.Clone(v)
		for k, x := range out {
			out[k] = plain(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = plain(x)
		}
		return out
	}
	return v
}

// fieldValue is the wire value of one field of o, and whether it is set.
func fieldValue(o objects.Object, name string) (any, bool, error) {
	p, err := storedPrimitive(o)
	if err != nil {
		return nil, false, err
	}
	v, ok := dataOf(p)[name]
	return plain(v), ok, nil
}
