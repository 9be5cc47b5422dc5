package rpc

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/vmihailenco/msgpack/v5"
)

// The hand-written envelope codec must produce exactly what the struct tags
// describe, so generic msgpack readers decode it, and read it back losslessly.
func TestEnvelopeCodecMatchesStructForm(t *testing.T) {
	h := RequestHeader{
		Envelope: EnvelopeVersion, MessageID: "m-1", Namespace: "compute_task", Method: "live_migrate_instance",
		Version: "1.3", MonitorMS: 30000, TimeoutMS: 60000, TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		Context: RequestContext{RequestID: "req-1", GlobalRequestID: "req-g", UserID: "u", ProjectID: "p",
			Roles: []string{"admin", "member"}, IsAdmin: true, Timestamp: time.Date(2026, 11, 25, 7, 0, 0, 123000000, time.UTC)},
	}
	args := echoArgs{Text: "x", N: 3}
	body, err := encodeRequest(&h, args)
	if err != nil {
		t.Fatal(err)
	}
	// generic reflection decode of the same bytes
	var viaStruct Request
	if err := msgpack.Unmarshal(body, &viaStruct); err != nil {
		t.Fatalf("struct decode of hand-encoded envelope: %v", err)
	}
	got, err := DecodeRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*Request{"struct": &viaStruct, "hand": got} {
		r.Context.Timestamp = r.Context.Timestamp.UTC()
		if !reflect.DeepEqual(r.RequestHeader, h) {
			t.Errorf("%s decode: header %+v, want %+v", name, r.RequestHeader, h)
		}
		var a echoArgs
		if err := msgpack.Unmarshal(r.Args, &a); err != nil || a != args {
			t.Errorf("%s decode: args %+v %v", name, a, err)
		}
	}
	// replies: struct-encoded bytes decode by hand
	rep := Reply{Envelope: EnvelopeVersion, Kind: ReplyError, Error: &WireError{Type: "T", Message: "m", Fields: msgpack.RawMessage{0x80}}}
	b, _ := msgpack.Marshal(&rep)
	back, err := DecodeReply(b)
	if err != nil || !reflect.DeepEqual(*back.Error, *rep.Error) || back.Kind != ReplyError {
		t.Fatalf("reply round trip: %+v %v", back, err)
	}
	res, _ := encodeResult(echoReply{Text: "r"})
	back, err = DecodeReply(res)
	var er echoReply
	if err != nil || msgpack.Unmarshal(back.Result, &er) != nil || er.Text != "r" {
		t.Fatalf("result round trip: %+v %v", er, err)
	}
}

// A header without a message id gets a fresh one: 22 base62 characters
// (a NUID's shape), different every time, readable by plain msgpack.
func TestMessageIDsAreFreshAndNUIDShaped(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		body, err := encodeRequest(&RequestHeader{Envelope: EnvelopeVersion, Method: "m", Version: "1.0"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var viaStruct Request
		if err := msgpack.Unmarshal(body, &viaStruct); err != nil {
			t.Fatal(err)
		}
		id := viaStruct.MessageID
		if len(id) != messageIDLen || strings.Trim(id, base62) != "" {
			t.Fatalf("message id %q is not 22 base62 characters", id)
		}
		if seen[id] {
			t.Fatalf("message id %q repeated", id)
		}
		seen[id] = true
	}
}

func TestTraceParentContinuesTrace(t *testing.T) {
	root := newTraceParent("")
	if len(root) != 55 || root[:3] != "00-" || root[52:] != "-00" {
		t.Fatalf("malformed traceparent %q", root)
	}
	child := newTraceParent(root)
	if child[3:35] != root[3:35] {
		t.Fatalf("child %q lost the trace id of %q", child, root)
	}
	if child[36:52] == root[36:52] {
		t.Fatalf("child %q reuses the parent's span id", child)
	}
	if other := newTraceParent("garbage"); other[3:35] == root[3:35] {
		t.Fatal("a malformed parent continued an unrelated trace")
	}
}

// skip must agree with the msgpack package on where every value ends.
func TestSkipMatchesMsgpack(t *testing.T) {
	values := []any{
		nil, true, false, 0, 127, 128, -1, -33, 1 << 20, -1 << 40, uint64(1 << 63), 3.5, float32(1.5),
		"", "short", string(make([]byte, 40)), string(make([]byte, 300)), string(make([]byte, 70000)),
		[]byte{1, 2, 3}, make([]byte, 300), []any{1, "a", []any{true, nil}},
		map[string]any{"a": 1, "b": map[string]any{"c": []int{1, 2, 3}}},
		time.Unix(1700000000, 0), time.Unix(1700000000, 5), time.Date(2500, 1, 1, 0, 0, 0, 1, time.UTC),
		make([]int, 20), make([]int, 70000), echoArgs{Text: "x", N: 9},
	}
	for _, v := range values {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		trailer := []byte{0xa1, 'z'}
		r := &wireReader{b: append(b, trailer...)}
		got, err := r.skip()
		if err != nil {
			t.Fatalf("%T %v: %v", v, v, err)
		}
		if len(got) != len(b) {
			t.Fatalf("%T: skip took %d bytes, msgpack wrote %d", v, len(got), len(b))
		}
		if s, err := r.str(); err != nil || s != "z" {
			t.Fatalf("%T: reader misplaced after skip: %q %v", v, s, err)
		}
	}
	for _, bad := range [][]byte{{0xc1}, {0xdd, 0xff, 0xff, 0xff, 0xff}, {0xdb, 0, 0, 1, 0}, {0x92, 0x01}} {
		if _, err := (&wireReader{b: bad}).skip(); err == nil {
			t.Errorf("skip accepted % x", bad)
		}
	}
}

// Request ids are nova's "req-<uuid>" with a random (version 4, RFC 4122
// variant) uuid, unique across many.
func TestNewRequestIDIsUUIDv4(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		id := NewRequestID()
		u, err := uuid.Parse(strings.TrimPrefix(id, "req-"))
		if !strings.HasPrefix(id, "req-") || err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || u.String() != id[4:] {
			t.Fatalf("request id %q is not req-<uuid v4>: %v", id, err)
		}
		if seen[id] {
			t.Fatalf("request id %q made twice", id)
		}
		seen[id] = true
	}
}

// The hand-written result reply is byte for byte what msgpack makes of the
// struct form, so readers that use reflection read it.
func TestResultReplyMatchesStructForm(t *testing.T) {
	type structForm struct {
		Envelope int       `msgpack:"envelope"`
		Kind     ReplyKind `msgpack:"kind"`
		Result   any       `msgpack:"result"`
	}
	for _, result := range []any{nil, echoReply{Text: "r", Server: "s"}, map[string]any{"a": 1}, "text", 42} {
		want, err := msgpack.Marshal(structForm{Envelope: EnvelopeVersion, Kind: ReplyResult, Result: result})
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeResult(result)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("result %v: % x, want % x (%v)", result, got, want, err)
		}
	}
}
