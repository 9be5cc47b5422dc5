package objects

import "reflect"

// slotState is what oslo keeps per attribute: whether it was ever set
// (obj_attr_is_set), whether it holds null, and whether it changed since the
// last ObjResetChanges.
type slotState struct{ set, null, changed bool }

// slot is how the schema-driven code reaches a Field or Nullable without
// knowing its T.
type slot interface {
	state() *slotState
	value() any // the T held, or nil when null
	load(v any) // v is a T, or nil for null; marks the slot set, leaves changed alone
	reset()     // back to unset
	elemType() reflect.Type
	isNullable() bool
}

// Field is an object attribute that is never null. The zero Field is unset.
type Field[T any] struct {
	v T
	s slotState
}

// Set stores v and marks the field changed (even if v equals the old value,
// as oslo does: the caller said so).
func (f *Field[T]) Set(v T) {
	f.v = v
	f.s = slotState{set: true, changed: true}
}

// Get returns the value; the zero T when unset or null.
func (f *Field[T]) Get() T { return f.v }

// IsSet reports whether the field has a value (oslo's obj_attr_is_set).
func (f *Field[T]) IsSet() bool { return f.s.set }

func (f *Field[T]) state() *slotState { return &f.s }

func (f *Field[T]) value() any {
	if f.s.null {
		return nil
	}
	return f.v
}

func (f *Field[T]) load(v any) {
	var zero T
	f.v = zero
	f.s.set, f.s.null = true, v == nil
	if v != nil {
		f.v = v.(T)
	}
}

func (f *Field[T]) reset() {
	var zero T
	f.v, f.s = zero, slotState{}
}

func (f *Field[T]) elemType() reflect.Type { return reflect.TypeFor[T]() }
func (f *Field[T]) isNullable() bool       { return false }

// Nullable is an attribute that may also hold null (nova's nullable=True).
// Get returns the zero T for null; use Lookup or IsNull to tell them apart.
type Nullable[T any] struct{ Field[T] }

// SetNull stores null and marks the field changed.
func (n *Nullable[T]) SetNull() {
	var zero T
	n.v = zero
	n.s = slotState{set: true, null: true, changed: true}
}

// SetPtr stores *p, or null when p is nil.
func (n *Nullable[T]) SetPtr(p *T) {
	if p == nil {
		n.SetNull()
		return
	}
	n.Set(*p)
}

// Lookup returns the value and true, or the zero T and false when the field
// is null or unset.
func (n *Nullable[T]) Lookup() (T, bool) { return n.v, n.s.set && !n.s.null }

// Ptr returns a copy of the value, or nil when null or unset.
func (n *Nullable[T]) Ptr() *T {
	if !n.s.set || n.s.null {
		return nil
	}
	v := n.v
	return &v
}

// IsNull reports whether the field is set to null.
func (n *Nullable[T]) IsNull() bool { return n.s.set && n.s.null }

func (n *Nullable[T]) isNullable() bool { return true }
