package objects

import (
	"fmt"
	"reflect"
)

// collectionCodec handles lists and string-keyed dicts of scalars.
func collectionCodec(t reflect.Type, kind string) (*codec, error) {
	elem, err := codecFor(t.Elem(), fieldOpts{})
	if err != nil || elem.child != "" || elem.parseDefault == nil {
		return nil, fmt.Errorf("no codec for Go type %v: elements must be scalars", t)
	}
	c := &codec{name: kind + "(" + elem.name + ")"}
	if kind == "List" {
		c.encode = func(v reflect.Value) (any, error) {
			out := make([]any, v.Len())
			for i := range out {
				e, err := elem.encode(v.Index(i))
				if err != nil {
					return nil, fmt.Errorf("element %d: %w", i, err)
				}
				out[i] = e
			}
			return out, nil
		}
		c.decode = func(p any) (reflect.Value, error) {
			in, ok := p.([]any)
			if !ok {
				return reflect.Value{}, wrongType(c.name, p)
			}
			out := reflect.MakeSlice(t, len(in), len(in))
			for i, e := range in {
				ev, err := elem.decode(e)
				if err != nil {
					return reflect.Value{}, fmt.Errorf("element %d: %w", i, err)
				}
				out.Index(i).Set(ev)
			}
			return out, nil
		}
		return c, nil
	}
	c.encode = func(v reflect.Value) (any, error) {
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			e, err := elem.encode(it.Value())
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", it.Key().String(), err)
			}
			out[it.Key().String()] = e
		}
		return out, nil
	}
	c.decode = func(p any) (reflect.Value, error) {
		in, ok := p.(map[string]any)
		if !ok {
			return reflect.Value{}, wrongType(c.name, p)
		}
		out := reflect.MakeMapWithSize(t, len(in))
		for k, e := range in {
			ev, err := elem.decode(e)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("key %q: %w", k, err)
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		return out, nil
	}
	return c, nil
}

// objectCodec nests another object's primitive. The child object's name is
// its Go type name, which is also how it is registered.
func objectCodec(t reflect.Type) *codec {
	name := t.Elem().Name()
	return &codec{
		name:   "Object(" + name + ")",
		child:  name,
		encode: func(v reflect.Value) (any, error) { return encodeChild(v) },
		decode: func(p any) (reflect.Value, error) { return decodeChild(p, name, t) },
	}
}

func objectListCodec(t reflect.Type) *codec {
	name := t.Elem().Elem().Name()
	c := &codec{name: "List(Object(" + name + "))", child: name, list: true}
	c.encode = func(v reflect.Value) (any, error) {
		out := make([]any, v.Len())
		for i := range out {
			p, err := encodeChild(v.Index(i))
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out[i] = p
		}
		return out, nil
	}
	c.decode = func(p any) (reflect.Value, error) {
		in, ok := p.([]any)
		if !ok {
			return reflect.Value{}, wrongType(c.name, p)
		}
		out := reflect.MakeSlice(t, len(in), len(in))
		for i, e := range in {
			ev, err := decodeChild(e, name, t.Elem())
			if err != nil {
				return reflect.Value{}, fmt.Errorf("element %d: %w", i, err)
			}
			out.Index(i).Set(ev)
		}
		return out, nil
	}
	return c
}

func encodeChild(v reflect.Value) (any, error) {
	if v.IsNil() {
		return nil, fmt.Errorf("%w: nil %v", ErrNotNullable, v.Type())
	}
	return v.Interface().(Object).ToPrimitive()
}

func decodeChild(p any, name string, t reflect.Type) (reflect.Value, error) {
	obj, err := decodeObject(p, name)
	if err != nil {
		return reflect.Value{}, err
	}
	v := reflect.ValueOf(obj)
	if v.Type() != t {
		// Only possible if two Go types registered one name, which
		// register forbids; kept so a bug cannot panic a decoder.
		return reflect.Value{}, fmt.Errorf("%w: %s decodes to %v, field holds %v", ErrWrongType, name, v.Type(), t)
	}
	return v, nil
}
