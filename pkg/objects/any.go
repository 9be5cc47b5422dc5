package objects

import (
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// Any holds an object whose type is only known from the wire, for RPC
// messages that carry "some object" (a result, a notification payload).
// A nil Object encodes as msgpack nil. EncodeMsgpack has a value receiver so
// an Any inside a struct passed by value still encodes.
type Any struct{ Object }

func (a Any) EncodeMsgpack(e *msgpack.Encoder) error {
	if a.Object == nil {
		return e.EncodeNil()
	}
	return a.Object.EncodeMsgpack(e)
}

func (a *Any) DecodeMsgpack(d *msgpack.Decoder) error {
	if c, err := d.PeekCode(); err == nil && c == msgpcode.Nil {
		a.Object = nil
		return d.DecodeNil()
	}
	p, err := readPrimitive(d)
	if err != nil {
		return err
	}
	o, err := Decode(p)
	if err != nil {
		return err
	}
	a.Object = o
	return nil
}
