package rpc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// A minimal msgpack writer and reader for the envelope's own fields: maps
// with string keys, strings, integers, booleans, string arrays and
// timestamps, and skipping any value. They work on byte slices without
// reflection or per-key allocations; the args themselves are encoded and
// decoded by the msgpack package.

func appendMapLen(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x80|byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xde, byte(n>>8), byte(n))
	default:
		return append(b, 0xdf, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

func appendArrayLen(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x90|byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xdc, byte(n>>8), byte(n))
	default:
		return append(b, 0xdd, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

func appendString(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= math.MaxUint8:
		b = append(b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		b = append(b, 0xda, byte(n>>8), byte(n))
	default:
		b = append(b, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, s...)
}

func appendInt(b []byte, v int64) []byte {
	switch {
	case v >= 0 && v < 128:
		return append(b, byte(v))
	case v < 0 && v >= -32:
		return append(b, byte(v))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(int32(v)))
	default:
		return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(v))
	}
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 0xc3)
	}
	return append(b, 0xc2)
}

// appendTime writes the msgpack timestamp extension (type -1), in the
// 96-bit form, which holds any time.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, 0xc7, 12, 0xff)
	b = binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
	return binary.BigEndian.AppendUint64(b, uint64(t.Unix()))
}

// wireReader reads msgpack values from a byte slice.
type wireReader struct {
	b   []byte
	pos int
}

var errShort = errors.New("unexpected end of message")

func (r *wireReader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errShort
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *wireReader) n(k int) ([]byte, error) {
	if k < 0 || r.pos+k > len(r.b) {
		return nil, errShort
	}
	s := r.b[r.pos : r.pos+k]
	r.pos += k
	return s, nil
}

func (r *wireReader) uint(size int) (uint64, error) {
	s, err := r.n(size)
	if err != nil {
		return 0, err
	}
	var v uint64
	for _, c := range s {
		v = v<<8 | uint64(c)
	}
	return v, nil
}

func (r *wireReader) mapLen() (int, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch {
	case c&0xf0 == 0x80:
		return int(c & 0x0f), nil
	case c == 0xde:
		v, err := r.uint(2)
		return int(v), err
	case c == 0xdf:
		v, err := r.uint(4)
		return int(v), err
	}
	return 0, fmt.Errorf("expected a map, found msgpack code 0x%02x", c)
}

// strBytes returns a string's bytes within the message (no copy).
func (r *wireReader) strBytes() ([]byte, error) {
	c, err := r.byte()
	if err != nil {
		return nil, err
	}
	var n uint64
	switch {
	case c&0xe0 == 0xa0:
		n = uint64(c & 0x1f)
	case c == 0xd9:
		n, err = r.uint(1)
	case c == 0xda:
		n, err = r.uint(2)
	case c == 0xdb:
		n, err = r.uint(4)
	default:
		return nil, fmt.Errorf("expected a string, found msgpack code 0x%02x", c)
	}
	if err != nil {
		return nil, err
	}
	return r.n(int(n))
}

func (r *wireReader) str() (string, error) {
	b, err := r.strBytes()
	return string(b), err
}

func (r *wireReader) int() (int64, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch {
	case c < 0x80:
		return int64(c), nil
	case c >= 0xe0:
		return int64(int8(c)), nil
	}
	var size int
	var signed bool
	switch c {
	case 0xcc, 0xcd, 0xce, 0xcf:
		size = 1 << (c - 0xcc)
	case 0xd0, 0xd1, 0xd2, 0xd3:
		size, signed = 1<<(c-0xd0), true
	default:
		return 0, fmt.Errorf("expected an integer, found msgpack code 0x%02x", c)
	}
	v, err := r.uint(size)
	if err != nil {
		return 0, err
	}
	if signed {
		shift := 64 - 8*size
		return int64(v<<shift) >> shift, nil
	}
	if v > math.MaxInt64 {
		return 0, errors.New("integer out of range")
	}
	return int64(v), nil
}

func (r *wireReader) bool() (bool, error) {
	c, err := r.byte()
	switch {
	case err != nil:
		return false, err
	case c == 0xc3:
		return true, nil
	case c == 0xc2:
		return false, nil
	}
	return false, fmt.Errorf("expected a boolean, found msgpack code 0x%02x", c)
}

// skip passes over one value of any type, returning its bytes. It walks
// the encoding iteratively (no recursion, so deep nesting cannot exhaust
// the stack) and never allocates.
func (r *wireReader) skip() ([]byte, error) {
	start := r.pos
	pending := 1 // values still to pass over
	for pending > 0 {
		pending--
		c, err := r.byte()
		if err != nil {
			return nil, err
		}
		var size, items uint64 // bytes to skip, child values to add
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		case c&0xf0 == 0x80:
			items = 2 * uint64(c&0x0f)
		case c&0xf0 == 0x90:
			items = uint64(c & 0x0f)
		case c&0xe0 == 0xa0:
			size = uint64(c & 0x1f)
		case c == 0xc4 || c == 0xd9:
			size, err = r.uint(1)
		case c == 0xc5 || c == 0xda:
			size, err = r.uint(2)
		case c == 0xc6 || c == 0xdb:
			size, err = r.uint(4)
		case c == 0xc7 || c == 0xc8 || c == 0xc9:
			size, err = r.uint(1 << (c - 0xc7))
			size++ // the extension type byte
		case c == 0xca:
			size = 4
		case c == 0xcb:
			size = 8
		case c >= 0xcc && c <= 0xcf:
			size = 1 << (c - 0xcc)
		case c >= 0xd0 && c <= 0xd3:
			size = 1 << (c - 0xd0)
		case c >= 0xd4 && c <= 0xd8:
			size = 1<<(c-0xd4) + 1
		case c == 0xdc:
			items, err = r.uint(2)
		case c == 0xdd:
			items, err = r.uint(4)
		case c == 0xde:
			items, err = r.uint(2)
			items *= 2
		case c == 0xdf:
			items, err = r.uint(4)
			items *= 2
		default:
			return nil, fmt.Errorf("msgpack code 0x%02x is never used", c)
		}
		if err != nil {
			return nil, err
		}
		if size > uint64(len(r.b)-r.pos) {
			return nil, errShort
		}
		r.pos += int(size)
		// every child takes at least one byte: a count larger than what is
		// left is a lie, refuse it before it becomes a long loop
		if items > uint64(len(r.b)-r.pos) {
			return nil, errShort
		}
		pending += int(items)
	}
	return r.b[start:r.pos:r.pos], nil
}

// readTime accepts the timestamp extension in all three sizes.
func (r *wireReader) time() (time.Time, error) {
	c, err := r.byte()
	if err != nil {
		return time.Time{}, err
	}
	var size int
	switch c {
	case 0xd6:
		size = 4
	case 0xd7:
		size = 8
	case 0xc7:
		l, err := r.byte()
		if err != nil {
			return time.Time{}, err
		}
		size = int(l)
	default:
		return time.Time{}, fmt.Errorf("expected a timestamp, found msgpack code 0x%02x", c)
	}
	typ, err := r.byte()
	if err != nil {
		return time.Time{}, err
	}
	if typ != 0xff {
		return time.Time{}, fmt.Errorf("expected a timestamp, found extension type %d", int8(typ))
	}
	s, err := r.n(size)
	if err != nil {
		return time.Time{}, err
	}
	switch size {
	case 4:
		return time.Unix(int64(binary.BigEndian.Uint32(s)), 0).UTC(), nil
	case 8:
		v := binary.BigEndian.Uint64(s)
		return time.Unix(int64(v&0x3ffffffff), int64(v>>34)).UTC(), nil
	case 12:
		return time.Unix(int64(binary.BigEndian.Uint64(s[4:])), int64(binary.BigEndian.Uint32(s))).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("timestamp of %d bytes", size)
}
