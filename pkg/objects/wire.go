package objects

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// Keys of the wire form, as nova's NovaObjectSerializer writes them.
const (
	KeyName      = "nova_object.name"
	KeyNamespace = "nova_object.namespace"
	KeyVersion   = "nova_object.version"
	KeyData      = "nova_object.data"
	KeyChanges   = "nova_object.changes"

	// Namespace is nova's OBJ_PROJECT_NAMESPACE.
	Namespace = "nova"
)

// Primitive is one object in wire form: oslo's primitive dict. Values in it
// are nil, bool, int64, float64, string, []any, map[string]any and nested
// Primitives (map[string]any once they have been through msgpack).
type Primitive map[string]any

// Name returns the object name the primitive claims, or "".
func (p Primitive) Name() string { s, _ := p[KeyName].(string); return s }

// Version returns the version the primitive claims, or "".
func (p Primitive) Version() string { s, _ := p[KeyVersion].(string); return s }

// EncodeMsgpack writes the primitive with sorted keys, so one object always
// encodes to the same bytes.
func (p Primitive) EncodeMsgpack(e *msgpack.Encoder) error { return writeValue(e, p) }

// DecodeMsgpack reads any msgpack map; use Decode to check it is an object.
func (p *Primitive) DecodeMsgpack(d *msgpack.Decoder) error {
	m, err := readPrimitive(d)
	if err != nil {
		return err
	}
	*p = m
	return nil
}

// Marshal encodes an object to msgpack bytes at its own version.
func Marshal(o Object) ([]byte, error) { return msgpack.Marshal(o) }

// Unmarshal decodes msgpack bytes holding one object of any registered type.
func Unmarshal(b []byte) (Object, error) {
	r := bytes.NewReader(b)
	p, err := readPrimitive(msgpack.NewDecoder(r))
	if err != nil {
		return nil, err
	}
	if r.Len() > 0 {
		return nil, &DecodeError{Err: fmt.Errorf("%w: %d bytes after the object", ErrMalformed, r.Len())}
	}
	return Decode(p)
}

// maxDepth bounds nesting while reading untrusted msgpack. Real objects nest
// a handful of levels (a list of objects inside an object is five); the
// bound stops a crafted message from recursing the stack away.
const maxDepth = 32

var errTooDeep = errors.New("nested too deeply")

func readPrimitive(d *msgpack.Decoder) (Primitive, error) {
	v, err := readValue(d, 0)
	if err != nil {
		return nil, &DecodeError{Err: fmt.Errorf("%w: %v", ErrMalformed, err)}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &DecodeError{Err: fmt.Errorf("%w: got %s, want a map", ErrMalformed, describe(v))}
	}
	return m, nil
}

// readValue reads one msgpack value into the primitive value types. It reads
// by hand rather than with Decoder.DecodeInterface so that the result types
// do not depend on the caller's decoder options, nesting is bounded,
// integers beyond int64 are refused rather than wrapped, and extensions
// (which no primitive uses) are refused.
func readValue(d *msgpack.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	c, err := d.PeekCode()
	if err != nil {
		return nil, err
	}
	switch {
	case c == msgpcode.Nil:
		return nil, d.DecodeNil()
	case c == msgpcode.True || c == msgpcode.False:
		return d.DecodeBool()
	case c == msgpcode.Uint64:
		n, err := d.DecodeUint64()
		if err == nil && n > math.MaxInt64 {
			err = fmt.Errorf("integer %d overflows int64", n)
		}
		return int64(n), err
	case msgpcode.IsFixedNum(c), c >= msgpcode.Uint8 && c <= msgpcode.Uint32, c >= msgpcode.Int8 && c <= msgpcode.Int64:
		return d.DecodeInt64()
	case c == msgpcode.Float || c == msgpcode.Double:
		return d.DecodeFloat64()
	case msgpcode.IsString(c), msgpcode.IsBin(c):
		return d.DecodeString()
	case msgpcode.IsFixedArray(c), c == msgpcode.Array16, c == msgpcode.Array32:
		return readArray(d, depth)
	case msgpcode.IsFixedMap(c), c == msgpcode.Map16, c == msgpcode.Map32:
		return readMap(d, depth)
	}
	return nil, fmt.Errorf("unsupported msgpack type 0x%02x", c)
}

func readArray(d *msgpack.Decoder, depth int) (any, error) {
	n, err := d.DecodeArrayLen()
	if err != nil {
		return nil, err
	}
	// Cap the preallocation: the length comes from the sender.
	out := make([]any, 0, min(n, 16))
	for range n {
		v, err := readValue(d, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func readMap(d *msgpack.Decoder, depth int) (any, error) {
	n, err := d.DecodeMapLen()
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, min(n, 16))
	for range n {
		k, err := readValue(d, depth+1)
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("map key is %s, want string", describe(k))
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("duplicate map key %q", key)
		}
		if out[key], err = readValue(d, depth+1); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func writeValue(e *msgpack.Encoder, v any) error {
	switch v := v.(type) {
	case nil:
		return e.EncodeNil()
	case bool:
		return e.EncodeBool(v)
	case int64:
		return e.EncodeInt(v)
	case int:
		return e.EncodeInt(int64(v))
	case float64:
		return e.EncodeFloat64(v)
	case string:
		return e.EncodeString(v)
	case []any:
		if err := e.EncodeArrayLen(len(v)); err != nil {
			return err
		}
		for _, x := range v {
			if err := writeValue(e, x); err != nil {
				return err
			}
		}
		return nil
	case Primitive:
		return writeMap(e, v)
	case map[string]any:
		return writeMap(e, v)
	}
	return fmt.Errorf("objects: %T cannot appear in a primitive", v)
}

func writeMap(e *msgpack.Encoder, m map[string]any) error {
	if err := e.EncodeMapLen(len(m)); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := e.EncodeString(k); err != nil {
			return err
		}
		if err := writeValue(e, m[k]); err != nil {
			return err
		}
	}
	return nil
}

func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case Primitive:
		return m, true
	case map[string]any:
		return m, true
	}
	return nil, false
}

// withPrimitive attaches the outermost primitive to an incompatible-version
// error, so the RPC layer can send it for a backport as is.
func withPrimitive(err error, p Primitive) error {
	var iv *IncompatibleObjectVersion
	if errors.As(err, &iv) {
		iv.Primitive = p
	}
	return err
}
