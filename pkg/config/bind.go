package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// tagName is the struct tag naming a field's option: `nova:"group.name"`,
// e.g. `nova:"libvirt.live_migration_downtime"`, `nova:"DEFAULT.host"`.
const tagName = "nova"

// Bind fills the tagged fields of the struct dst points to, and its
// embedded structs' (so options shared by several services are declared
// in one struct). A field's type must have the option's Go type as its
// underlying type: int, float64, bool, string (a named string type such as
// virt.TimeoutAction is fine), []string, time.Duration. A tag naming an
// option outside the Set is an error, so a struct cannot silently read a
// default its service never loaded. If dst has a Validate() error method,
// Bind returns its result.
func (v *Values) Bind(dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config: Bind needs a pointer to a struct, got %T", dst)
	}
	if err := v.bindStruct(rv.Elem()); err != nil {
		return err
	}
	if val, ok := dst.(interface{ Validate() error }); ok {
		return val.Validate()
	}
	return nil
}

func (v *Values) bindStruct(sv reflect.Value) error {
	st := sv.Type()
	for i := range st.NumField() {
		f := st.Field(i)
		tag, tagged := f.Tag.Lookup(tagName)
		if !tagged {
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				if err := v.bindStruct(sv.Field(i)); err != nil {
					return err
				}
			}
			continue
		}
		where := st.String() + "." + f.Name
		group, name, _ := strings.Cut(tag, ".")
		val, ok := v.Lookup(group, name)
		switch {
		case !f.IsExported():
			return fmt.Errorf("config: %s: tagged field is not exported", where)
		case !ok:
			return fmt.Errorf("config: %s: option [%s] %s is not in this set", where, group, name)
		}
		if err := set(sv.Field(i), val.Value); err != nil {
			return fmt.Errorf("config: %s: %s: %w", where, val.Option, err)
		}
	}
	return nil
}

// set stores x in dst when their underlying types agree. Conversion
// between different kinds (int to float64, int to Duration) is refused:
// it would hide a mistyped field.
func set(dst reflect.Value, x any) error {
	src := reflect.ValueOf(x)
	if dst.Kind() != src.Kind() || !src.Type().ConvertibleTo(dst.Type()) ||
		(src.Kind() == reflect.Slice && dst.Type().Elem().Kind() != reflect.String) {
		return fmt.Errorf("field of type %s cannot hold a %s", dst.Type(), src.Type())
	}
	if list, ok := x.([]string); ok {
		src = reflect.ValueOf(slices.Clone(list)) // services may not edit the Set's defaults
	}
	dst.Set(src.Convert(dst.Type()))
	return nil
}
