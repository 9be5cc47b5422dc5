package objects

import (
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

func stringCodec(t reflect.Type, o fieldOpts) *codec {
	c := &codec{name: "String"}
	var check func(string) error
	switch {
	case o.uuid:
		c.name = "UUID"
		check = func(s string) error {
			if _, err := uuid.Parse(s); err != nil {
				return fmt.Errorf("%w: %q is not a UUID", ErrWrongType, s)
			}
			return nil
		}
	case o.ip:
		c.name = "IPAddress"
		check = func(s string) error {
			if _, err := netip.ParseAddr(s); err != nil {
				return fmt.Errorf("%w: %q is not an IP address", ErrWrongType, s)
			}
			return nil
		}
	case t.Implements(enumType):
		valid := reflect.Zero(t).Interface().(enumerated).validValues()
		c.name = "Enum(" + strings.Join(valid, ",") + ")"
		c.values = valid
		check = func(s string) error {
			if !slices.Contains(valid, s) {
				return fmt.Errorf("%w: %q is not one of %s", ErrWrongType, s, strings.Join(valid, ", "))
			}
			return nil
		}
	}
	fromString := func(s string) (reflect.Value, error) {
		if check != nil {
			if err := check(s); err != nil {
				return reflect.Value{}, err
			}
		}
		return reflect.ValueOf(s).Convert(t), nil
	}
	c.encode = func(v reflect.Value) (any, error) {
		if check != nil {
			if err := check(v.String()); err != nil {
				return nil, err
			}
		}
		return v.String(), nil
	}
	c.decode = func(p any) (reflect.Value, error) {
		s, ok := p.(string)
		if !ok {
			return reflect.Value{}, wrongType(c.name, p)
		}
		return fromString(s)
	}
	c.parseDefault = fromString
	return c
}

// asInt accepts every Go integer type: msgpack hands us int64, hand-built
// primitives in Go code usually hold int.
func asInt(p any) (int64, bool) {
	switch n := p.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint:
		if uint64(n) <= math.MaxInt64 {
			return int64(n), true
		}
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), true
		}
	}
	return 0, false
}

func intCodec(t reflect.Type) *codec {
	fromInt := func(n int64) (reflect.Value, error) {
		v := reflect.New(t).Elem()
		if v.OverflowInt(n) {
			return reflect.Value{}, fmt.Errorf("%w: %d overflows %v", ErrWrongType, n, t)
		}
		v.SetInt(n)
		return v, nil
	}
	return &codec{
		name:   "Integer",
		encode: func(v reflect.Value) (any, error) { return v.Int(), nil },
		decode: func(p any) (reflect.Value, error) {
			n, ok := asInt(p)
			if !ok {
				return reflect.Value{}, wrongType("Integer", p)
			}
			return fromInt(n)
		},
		parseDefault: func(s string) (reflect.Value, error) {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return reflect.Value{}, err
			}
			return fromInt(n)
		},
	}
}

func floatCodec(t reflect.Type) *codec {
	return &codec{
		name:   "Float",
		encode: func(v reflect.Value) (any, error) { return v.Float(), nil },
		decode: func(p any) (reflect.Value, error) {
			// oslo's FloatField coerces ints; a peer may send 1 for 1.0.
			f, ok := p.(float64)
			if n, isInt := asInt(p); isInt {
				f, ok = float64(n), true
			}
			if !ok {
				return reflect.Value{}, wrongType("Float", p)
			}
			return reflect.ValueOf(f).Convert(t), nil
		},
		parseDefault: func(s string) (reflect.Value, error) {
			f, err := strconv.ParseFloat(s, 64)
			return reflect.ValueOf(f).Convert(t), err
		},
	}
}

func boolCodec(t reflect.Type) *codec {
	return &codec{
		name:   "Boolean",
		encode: func(v reflect.Value) (any, error) { return v.Bool(), nil },
		decode: func(p any) (reflect.Value, error) {
			b, ok := p.(bool)
			if !ok {
				return reflect.Value{}, wrongType("Boolean", p)
			}
			return reflect.ValueOf(b).Convert(t), nil
		},
		parseDefault: func(s string) (reflect.Value, error) {
			b, err := strconv.ParseBool(s)
			return reflect.ValueOf(b).Convert(t), err
		},
	}
}

// timeCodec sends date-times as RFC 3339 strings in UTC, as oslo's
// DateTimeField does, rather than msgpack's timestamp extension, so the wire
// form stays readable by any msgpack implementation.
func timeCodec() *codec {
	return &codec{
		name: "DateTime",
		encode: func(v reflect.Value) (any, error) {
			return v.Interface().(time.Time).UTC().Format(time.RFC3339Nano), nil
		},
		decode: func(p any) (reflect.Value, error) {
			s, ok := p.(string)
			if !ok {
				return reflect.Value{}, wrongType("DateTime", p)
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			// An offset can push the UTC year out of the four digits
			// RFC 3339 allows, and then we could not send it back.
			if y := t.UTC().Year(); err != nil || y < 0 || y > 9999 {
				return reflect.Value{}, fmt.Errorf("%w: %q is not an RFC 3339 date-time", ErrWrongType, s)
			}
			return reflect.ValueOf(t.UTC()), nil
		},
	}
}
