package objects

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"
)

// Object is implemented by every registered object (and only by them: the
// unexported method seals it). Method names follow oslo's obj_* API.
type Object interface {
	// ObjName is the wire name, e.g. "Instance".
	ObjName() string
	// ObjVersion is the version this code implements, e.g. "1.2".
	ObjVersion() string
	// ObjFields lists the wire field names in declaration order.
	ObjFields() []string
	// ObjAttrIsSet reports whether the named field holds a value or null.
	ObjAttrIsSet(name string) bool
	// ObjWhatChanged lists, sorted, the fields set since the last reset,
	// plus object fields whose nested objects changed.
	ObjWhatChanged() []string
	// ObjGetChanges maps each changed field to its Go value (nil for
	// null): what a save sends to the database.
	ObjGetChanges() map[string]any
	// ObjResetChanges forgets the changes of the named fields, or of all
	// fields when none are named, recursing into nested objects. Names
	// the object does not have are ignored.
	ObjResetChanges(names ...string)
	// ObjSetDefaults sets the named fields to their defaults, or every
	// unset field that has one when none are named.
	ObjSetDefaults(names ...string) error
	// ToPrimitive encodes the object at its own version.
	ToPrimitive() (Primitive, error)
	// ObjToPrimitive encodes the object for an older receiver: at target
	// ("" means the manifest's entry for this object, else the current
	// version), with nested objects at their manifest versions.
	ObjToPrimitive(target string, manifest Manifest) (Primitive, error)
	// ObjFromPrimitive replaces the object with a decoded primitive of
	// the same object type; on error the object is left untouched.
	ObjFromPrimitive(p Primitive) error

	msgpack.CustomEncoder
	msgpack.CustomDecoder
	json.Marshaler
	json.Unmarshaler
	fmt.Stringer

	ref() objRef
}

// base is embedded first in every object struct and gives it the Object
// methods. Go has no way for an embedded type to reach the struct embedding
// it, so base recovers it from its own address: base is the first field, at
// offset 0 (register checks), so its address is the object's.
// Converting a pointer to a field back to its containing struct at offset 0
// is the container-of pattern the unsafe package documents as valid. This
// keeps every object file down to its struct and its spec.
type base[T any] struct{}

func (b *base[T]) ref() objRef {
	return objRef{schemaOf(reflect.TypeFor[T]()), reflect.ValueOf((*T)(unsafe.Pointer(b))).Elem()}
}

func (b *base[T]) ObjName() string    { return b.ref().s.name }
func (b *base[T]) ObjVersion() string { return b.ref().s.version.String() }

func (b *base[T]) ObjFields() []string {
	s := b.ref().s
	names := make([]string, len(s.fields))
	for i, f := range s.fields {
		names[i] = f.name
	}
	return names
}

func (b *base[T]) ObjAttrIsSet(name string) bool {
	r := b.ref()
	f := r.s.byName[name]
	return f != nil && r.slot(f).state().set
}

func (b *base[T]) ObjWhatChanged() []string             { return b.ref().whatChanged() }
func (b *base[T]) ObjGetChanges() map[string]any        { return b.ref().getChanges() }
func (b *base[T]) ObjResetChanges(names ...string)      { b.ref().resetChanges(names) }
func (b *base[T]) ObjSetDefaults(names ...string) error { return b.ref().setDefaults(names) }
func (b *base[T]) ToPrimitive() (Primitive, error)      { return b.ref().toPrimitive() }

func (b *base[T]) ObjToPrimitive(target string, manifest Manifest) (Primitive, error) {
	return b.ref().toPrimitiveFor(target, manifest)
}

// ObjFromPrimitive decodes into a fresh T and only then overwrites the
// receiver, so a failed decode leaves nothing half-filled.
func (b *base[T]) ObjFromPrimitive(p Primitive) error {
	var fresh T
	r := b.ref()
	fr := objRef{r.s, reflect.ValueOf(&fresh).Elem()}
	if err := fr.decode(p, r.s.name); err != nil {
		return withPrimitive(err, p)
	}
	r.v.Set(fr.v)
	return nil
}

func (b *base[T]) EncodeMsgpack(e *msgpack.Encoder) error {
	p, err := b.ToPrimitive()
	if err != nil {
		return err
	}
	return writeValue(e, p)
}

func (b *base[T]) DecodeMsgpack(d *msgpack.Decoder) error {
	raw, err := readPrimitive(d)
	if err != nil {
		return err
	}
	return b.ObjFromPrimitive(raw)
}

// objRef is an object seen through its schema: what the generic code works on.
type objRef struct {
	s *schema
	v reflect.Value // the object struct (addressable)
}

func (r objRef) slot(f *fieldSchema) slot {
	return r.v.FieldByIndex(f.index).Addr().Interface().(slot)
}

// children returns the non-nil objects held by an object field.
func (r objRef) children(f *fieldSchema) []Object {
	if f.codec.child == "" {
		return nil
	}
	val := r.slot(f).value()
	if val == nil {
		return nil
	}
	rv := reflect.ValueOf(val)
	if !f.codec.list {
		if rv.IsNil() {
			return nil
		}
		return []Object{val.(Object)}
	}
	var out []Object
	for i := range rv.Len() {
		if e := rv.Index(i); !e.IsNil() {
			out = append(out, e.Interface().(Object))
		}
	}
	return out
}

func (r objRef) fieldChanged(f *fieldSchema) bool {
	if r.slot(f).state().changed {
		return true
	}
	for _, c := range r.children(f) {
		if len(c.ObjWhatChanged()) > 0 {
			return true
		}
	}
	return false
}

func (r objRef) whatChanged() []string {
	var out []string
	for _, f := range r.s.fields {
		if r.fieldChanged(f) {
			out = append(out, f.name)
		}
	}
	slices.Sort(out)
	return out
}

func (r objRef) getChanges() map[string]any {
	out := map[string]any{}
	for _, name := range r.whatChanged() {
		out[name] = r.slot(r.s.byName[name]).value()
	}
	return out
}

func (r objRef) resetChanges(names []string) {
	for _, f := range r.s.fields {
		if len(names) > 0 && !slices.Contains(names, f.name) {
			continue
		}
		r.slot(f).state().changed = false
		for _, c := range r.children(f) {
			c.ObjResetChanges()
		}
	}
}

func (r objRef) setDefaults(names []string) error {
	for _, name := range names {
		if f := r.s.byName[name]; f == nil || !f.hasDefault {
			return fmt.Errorf("objects: %s has no field %q with a default", r.s.name, name)
		}
	}
	for _, f := range r.s.fields {
		sl := r.slot(f)
		if !f.hasDefault || (len(names) == 0 && sl.state().set) || (len(names) > 0 && !slices.Contains(names, f.name)) {
			continue
		}
		sl.load(f.defaultVal)
		sl.state().changed = true
	}
	return nil
}
