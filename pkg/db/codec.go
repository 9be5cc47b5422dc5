package db

import (
	"encoding/json"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// Codec turns records into stored bytes and back. The db layer never looks
// inside the bytes, which is what keeps it independent of the objects package:
// wiring a versioned object later is a matter of handing its own
// serialisation functions over here.
type Codec[T any] struct {
	Encode func(T) ([]byte, error)
	Decode func([]byte) (T, error)
}

// MsgpackCodec encodes T with msgpack (compact; what the services use on the
// wire).
func MsgpackCodec[T any]() Codec[T] {
	return Codec[T]{
		Encode: func(v T) ([]byte, error) { return msgpack.Marshal(v) },
		Decode: func(b []byte) (T, error) {
			var v T
			err := msgpack.Unmarshal(b, &v)
			return v, err
		},
	}
}

// JSONCodec encodes T with encoding/json (readable with `nats kv get`).
func JSONCodec[T any]() Codec[T] {
	return Codec[T]{
		Encode: func(v T) ([]byte, error) { return json.Marshal(v) },
		Decode: func(b []byte) (T, error) {
			var v T
			err := json.Unmarshal(b, &v)
			return v, err
		},
	}
}

// decode runs the codec and turns both an error and a panic into a
// *CorruptError: bytes in the store are outside our control (an operator's
// `nats kv put`, a bug in an older version) and must never take a service
// down.
func (c Codec[T]) decode(bucket string, k Key, rev uint64, b []byte) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero T
			v, err = zero, &CorruptError{Bucket: bucket, Key: k, Revision: rev, Err: fmt.Errorf("decoder panicked: %v", r)}
		}
	}()
	v, err = c.Decode(b)
	if err != nil {
		var zero T
		return zero, &CorruptError{Bucket: bucket, Key: k, Revision: rev, Err: err}
	}
	return v, nil
}

func (c Codec[T]) encode(bucket string, k Key, v T) ([]byte, error) {
	b, err := c.Encode(v)
	if err != nil {
		return nil, fmt.Errorf("db: encode %s/%s: %w", bucket, k, err)
	}
	return b, nil
}
