package objects

import (
	"fmt"
	"reflect"
	"strings"
)

// fieldSchema is one attribute of an object, read once from its struct tag.
type fieldSchema struct {
	name        string // wire name
	index       []int  // reflect path to the Field/Nullable in the struct
	codec       *codec
	nullable    bool
	required    bool
	added       Version
	hasDefault  bool
	defaultText string
	defaultVal  any // a T, or nil for a null default
}

// schema is everything the package knows about one object type. It is built
// from the struct and its spec at registration and never changes after.
type schema struct {
	name     string
	version  Version
	history  []string
	fields   []*fieldSchema // in declaration order
	byName   map[string]*fieldSchema
	backport func(data map[string]any, target Version) error
	newObj   func() Object
}

var slotType = reflect.TypeFor[slot]()

// buildSchema reads an object struct: its first field must be baseType (the
// object's base[T]) at offset zero, every other field a tagged Field or
// Nullable, or an untagged embedded struct of them (Persistent).
func buildSchema(t reflect.Type, baseType reflect.Type, sp spec) (*schema, error) {
	s := &schema{name: t.Name(), history: sp.history, backport: sp.backport, byName: map[string]*fieldSchema{}}
	fail := func(format string, args ...any) (*schema, error) {
		return nil, fmt.Errorf("objects: %s: %s", s.name, fmt.Sprintf(format, args...))
	}
	if t.Kind() != reflect.Struct || t.NumField() == 0 {
		return fail("not a struct with fields")
	}
	// base[T] methods find the object by its own address, so it must
	// start the struct.
	if f := t.Field(0); f.Type != baseType || !f.Anonymous || f.Offset != 0 {
		return fail("the first field must be the embedded base[%s]", s.name)
	}
	v, err := ParseVersion(sp.version)
	if err != nil {
		return fail("%v", err)
	}
	s.version = v
	if err := checkHistory(v, sp.history); err != nil {
		return fail("%v", err)
	}
	if err := s.addFields(t, nil, 1); err != nil {
		return fail("%v", err)
	}
	return s, nil
}

// checkHistory insists on one line per minor of the current major, as nova's
// "# Version 1.1: Added foo" comments, so backport tests can walk every one.
func checkHistory(v Version, history []string) error {
	if len(history) != v.Minor+1 {
		return fmt.Errorf("history has %d entries, want one per version %d.0 to %s", len(history), v.Major, v)
	}
	for i, h := range history {
		if want := fmt.Sprintf("%d.%d: ", v.Major, i); !strings.HasPrefix(h, want) {
			return fmt.Errorf("history entry %d is %q, want it to start with %q", i, h, want)
		}
	}
	return nil
}

func (s *schema) addFields(t reflect.Type, prefix []int, from int) error {
	for i := from; i < t.NumField(); i++ {
		sf := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		tag, tagged := sf.Tag.Lookup("obj")
		if !tagged {
			if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
				if err := s.addFields(sf.Type, index, 0); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("field %s has no obj tag", sf.Name)
		}
		if !reflect.PointerTo(sf.Type).Implements(slotType) {
			return fmt.Errorf("field %s is %v, want Field[T] or Nullable[T]", sf.Name, sf.Type)
		}
		f, err := s.parseField(tag, reflect.New(sf.Type).Interface().(slot))
		if err != nil {
			return fmt.Errorf("field %s: %w", sf.Name, err)
		}
		if _, dup := s.byName[f.name]; dup {
			return fmt.Errorf("field %s: wire name %q used twice", sf.Name, f.name)
		}
		f.index = index
		s.fields = append(s.fields, f)
		s.byName[f.name] = f
	}
	return nil
}

func (s *schema) parseField(tag string, sl slot) (*fieldSchema, error) {
	parts := strings.Split(tag, ",")
	f := &fieldSchema{name: parts[0], nullable: sl.isNullable(), added: Version{s.version.Major, 0}}
	if f.name == "" {
		return nil, fmt.Errorf("empty wire name")
	}
	var opts fieldOpts
	for _, p := range parts[1:] {
		key, val, _ := strings.Cut(p, "=")
		switch key {
		case "uuid":
			opts.uuid = true
		case "ip":
			opts.ip = true
		case "required":
			f.required = true
		case "added":
			v, err := ParseVersion(val)
			if err != nil {
				return nil, err
			}
			f.added = v
		case "default":
			f.hasDefault, f.defaultText = true, val
		default:
			return nil, fmt.Errorf("unknown tag option %q", p)
		}
	}
	c, err := codecFor(sl.elemType(), opts)
	if err != nil {
		return nil, err
	}
	f.codec = c
	if f.added.Major != s.version.Major || s.version.Less(f.added) {
		return nil, fmt.Errorf("added=%s is not a version of %s up to %s", f.added, s.name, s.version)
	}
	if f.required && f.nullable {
		return nil, fmt.Errorf("a required field cannot be nullable")
	}
	// A sender older than the field cannot send it, so a required field
	// added after X.0 needs a default to fill in when decoding old peers.
	if f.required && f.added.Minor > 0 && !f.hasDefault {
		return nil, fmt.Errorf("required field added in %s needs a default for older senders", f.added)
	}
	if f.hasDefault {
		if err := f.parseDefault(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f *fieldSchema) parseDefault() error {
	if f.defaultText == "null" {
		if !f.nullable {
			return fmt.Errorf("default=null on a non-nullable field")
		}
		return nil
	}
	if f.codec.parseDefault == nil {
		return fmt.Errorf("%s fields take no default but null", f.codec.name)
	}
	v, err := f.codec.parseDefault(f.defaultText)
	if err != nil {
		return fmt.Errorf("default=%s: %w", f.defaultText, err)
	}
	f.defaultVal = v.Interface()
	return nil
}
