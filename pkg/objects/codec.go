package objects

import (
	"fmt"
	"reflect"
	"time"
)

// codec converts one Go field type to and from its primitive form. The name
// is oslo's field type ("String", "Object(Flavor)", ...) and feeds the
// fingerprint, so two fields that travel differently never hash alike.
type codec struct {
	name   string
	child  string   // object name, for Object and List(Object) fields
	list   bool     // List(Object)
	values []string // valid values of an Enum
	encode func(reflect.Value) (any, error)
	decode func(any) (reflect.Value, error)
	// parseDefault turns a tag's default=... text into a T; nil when the
	// type has no default syntax.
	parseDefault func(string) (reflect.Value, error)
}

// fieldOpts are the options of an obj struct tag that shape the codec.
type fieldOpts struct{ uuid, ip bool }

// enumerated marks string types whose values are checked on the wire
// (oslo's EnumField). Nova keeps vm_state, task_state and migration status as
// plain strings so that a new state does not force an object version bump;
// we follow it and only make true enums (MigrationType) enumerated.
type enumerated interface{ validValues() []string }

var (
	timeType   = reflect.TypeFor[time.Time]()
	objectType = reflect.TypeFor[Object]()
	enumType   = reflect.TypeFor[enumerated]()
)

func codecFor(t reflect.Type, o fieldOpts) (*codec, error) {
	if (o.uuid || o.ip) && t.Kind() != reflect.String {
		return nil, fmt.Errorf("uuid and ip options need a string type, not %v", t)
	}
	switch {
	case t == timeType:
		return timeCodec(), nil
	case t.Kind() == reflect.String:
		return stringCodec(t, o), nil
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return intCodec(t), nil
	case t.Kind() == reflect.Float64:
		return floatCodec(t), nil
	case t.Kind() == reflect.Bool:
		return boolCodec(t), nil
	case t.Kind() == reflect.Pointer && t.Implements(objectType):
		return objectCodec(t), nil
	case t.Kind() == reflect.Slice:
		if t.Elem().Kind() == reflect.Pointer && t.Elem().Implements(objectType) {
			return objectListCodec(t), nil
		}
		return collectionCodec(t, "List")
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		return collectionCodec(t, "Dict")
	}
	return nil, fmt.Errorf("no codec for Go type %v", t)
}

func wrongType(want string, p any) error {
	return fmt.Errorf("%w: want %s, got %s", ErrWrongType, want, describe(p))
}

// describe names a primitive value's type for error messages without echoing
// possibly large or sensitive content.
func describe(p any) string {
	switch p.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "integer"
	case float32, float64:
		return "float"
	case []any:
		return "list"
	case map[string]any, Primitive:
		return "map"
	}
	return fmt.Sprintf("%T", p)
}
