package config

import (
	"fmt"
	"slices"
)

// Value is an option's effective value and where it came from.
type Value struct {
	Option *Option
	// Value has the option's Go type (see Option.Default).
	Value  any
	Source Source
	// Note says what a start-up rule changed, empty if none: "raised from
	// 50 to the minimum 100".
	Note string
}

// Values are a Set's effective values, from Load.
type Values struct {
	set  *Set
	vals []Value // parallel to set.opts
}

func newValues(s *Set) *Values {
	v := &Values{set: s, vals: make([]Value, len(s.opts))}
	for i, o := range s.opts {
		v.vals[i] = Value{Option: o, Value: o.Default, Source: Source{Kind: FromDefault}}
	}
	return v
}

// Lookup is one option's value.
func (v *Values) Lookup(group, name string) (Value, bool) {
	i, ok := v.index(group, name)
	if !ok {
		return Value{}, false
	}
	return v.vals[i], true
}

func (v *Values) index(group, name string) (int, bool) {
	i, ok := v.set.index[key(group, name)]
	return i, ok
}

// All lists every value in the Set's order.
func (v *Values) All() []Value { return slices.Clone(v.vals) }

// assign sets an option from text found at src. An option of another
// service is ignored (files and environments are shared); one nobody
// declares, or a value the option rejects, is an error.
func (v *Values) assign(group, name, raw string, src Source) error {
	i, ok := v.index(group, name)
	if !ok {
		if v.set.known(group, name) {
			return nil
		}
		return v.set.unknown(group, name, src)
	}
	o := v.set.opts[i]
	val, err := o.parse(raw)
	if err != nil {
		return &Error{Source: src, Group: group, Name: name, Err: fmt.Errorf("%w: %w", ErrInvalidValue, err)}
	}
	v.vals[i] = Value{Option: o, Value: val, Source: src}
	return nil
}
