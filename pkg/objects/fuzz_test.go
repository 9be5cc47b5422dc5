package objects

import (
	"bytes"
	"testing"
)

// FuzzDecodeObject feeds arbitrary bytes to the decoder. It must never
// panic, and whatever it accepts must re-encode to bytes that decode to the
// same encoding again (the decoder accepts nothing the encoder cannot send).
func FuzzDecodeObject(f *testing.F) {
	for _, name := range Registered() {
		for _, mode := range []sampleMode{withValues, withNulls} {
			o, err := Decode(samplePrimitive(f, name, mode))
			if err != nil {
				f.Fatal(err)
			}
			o.ObjSetDefaults()
			b, err := Marshal(o)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0xc0})
	f.Add([]byte{0x81, 0xa1, 'a', 0xdd, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := Unmarshal(b)
		if err != nil {
			if o != nil {
				t.Fatal("error with an object")
			}
			return
		}
		first, err := Marshal(o)
		if err != nil {
			t.Fatalf("accepted %s but cannot encode it: %v", o.ObjName(), err)
		}
		again, err := Unmarshal(first)
		if err != nil {
			t.Fatalf("cannot decode own encoding of %s: %v", o.ObjName(), err)
		}
		second, err := Marshal(again)
		if err != nil || !bytes.Equal(first, second) {
			t.Fatalf("%s is not stable through a round trip: %v", o.ObjName(), err)
		}
	})
}
