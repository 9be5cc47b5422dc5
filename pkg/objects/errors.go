package objects

import (
	"errors"
	"fmt"
	"strings"
)

// Reasons a primitive is refused. DecodeError wraps one of them (possibly
// under a nested object's DecodeError), so callers test with errors.Is.
var (
	ErrMalformed    = errors.New("malformed primitive")
	ErrUnknownField = errors.New("unknown field")
	ErrMissingField = errors.New("missing required field")
	ErrWrongType    = errors.New("wrong field type")
	ErrNotNullable  = errors.New("null in a non-nullable field")
)

// DecodeError says which object and field a primitive was refused for.
type DecodeError struct {
	Object  string // object name, "" when the envelope itself is unreadable
	Version string // version the primitive claimed, if known
	Field   string // wire field name, "" for envelope problems
	Err     error  // one of the Err* values, or a nested object's error
}

func (e *DecodeError) Error() string {
	what := "primitive"
	if e.Object != "" {
		what = e.Object
		if e.Version != "" {
			what += " " + e.Version
		}
	}
	// A nested object's error already says "objects:"; say it once.
	inner := strings.TrimPrefix(e.Err.Error(), "objects: ")
	if e.Field != "" {
		return fmt.Sprintf("objects: decoding %s: field %q: %s", what, e.Field, inner)
	}
	return fmt.Sprintf("objects: decoding %s: %s", what, inner)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// UnsupportedObjectError is oslo's UnsupportedObjectError: the primitive names
// an object this service has never heard of, or comes from another namespace.
type UnsupportedObjectError struct {
	Name      string
	Namespace string
}

func (e *UnsupportedObjectError) Error() string {
	if e.Namespace != Namespace {
		return fmt.Sprintf("objects: object %q has namespace %q, this service only speaks %q", e.Name, e.Namespace, Namespace)
	}
	return fmt.Sprintf("objects: unknown object %q: it is not registered in this service", e.Name)
}

// IncompatibleObjectVersion is oslo's exception of the same name: the sender
// used a version of Name this service cannot read, either a newer minor or
// another major. The RPC layer answers it by asking for a backport to
// Supported (with LocalManifest for nested objects); Primitive is the
// outermost primitive being decoded, ready to hand to that request.
type IncompatibleObjectVersion struct {
	Name      string
	Got       string
	Supported string
	Primitive Primitive
}

func (e *IncompatibleObjectVersion) Error() string {
	return fmt.Sprintf("objects: %s version %s is incompatible: this service supports %s up to %s; ask the sender for a backport",
		e.Name, e.Got, e.Name, e.Supported)
}

// InvalidTargetVersion is returned when asked to backport to a version this
// code cannot produce: another major, or a minor newer than its own.
type InvalidTargetVersion struct {
	Name    string
	Target  string
	Current string
}

func (e *InvalidTargetVersion) Error() string {
	return fmt.Sprintf("objects: cannot make %s %s from %s: only older minors of the same major can be produced", e.Name, e.Target, e.Current)
}
