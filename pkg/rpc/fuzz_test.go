package rpc

import (
	"testing"
)

// FuzzDecodeRequest: whatever bytes arrive, decoding returns a request or an
// error, never panics, and a decoded request is always dispatchable.
func FuzzDecodeRequest(f *testing.F) {
	valid, _ := encodeRequest(&RequestHeader{Envelope: EnvelopeVersion, MessageID: "m1", Method: "echo", Version: "1.0", Context: NewRequestContext()}, echoArgs{Text: "seed", N: 1})
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{})
	f.Add([]byte("\x80"))
	f.Add([]byte("\xde\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := DecodeRequest(data)
		if err != nil {
			if req != nil {
				t.Fatal("request returned with an error")
			}
			return
		}
		if req.Method == "" || req.Envelope != EnvelopeVersion {
			t.Fatalf("accepted an envelope without method or with version %d", req.Envelope)
		}
		var a echoArgs
		_ = decodeArgs(req.Args, &a, req.Method) // must not panic
	})
}

// FuzzDecodeReply: replies from the network never panic the caller.
func FuzzDecodeReply(f *testing.F) {
	f.Add(encodeReply(&Reply{Kind: ReplyResult, Result: []byte{0xc0}}))
	f.Add(encodeReply(&Reply{Kind: ReplyError, Error: &WireError{Type: "X", Message: "m"}}))
	f.Add(heartbeatBody)
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := DecodeReply(data)
		if err == nil && rep.Kind == ReplyError {
			_ = fromWire(rep.Error, "m", "s")
		}
	})
}
