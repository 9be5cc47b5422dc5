package rpc

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/vmihailenco/msgpack/v5"
)

// EnvelopeVersion is the version of the wire format this package speaks. A
// receiver refuses envelopes of another version with a clear error rather
// than guessing at their meaning (oslo.messaging's "oslo.version").
const EnvelopeVersion = 1

// NATS headers: they let tools (rpc tap, nats sub, a NATS trace) follow a
// request without decoding the body. The request id header keeps nova's
// HTTP name. They are few on purpose: every header costs parsing in the
// client library and the NATS server on every message.
const (
	HeaderRequestID   = "X-Openstack-Request-Id"
	HeaderTraceParent = "traceparent"
	HeaderCaller      = "Novanats-Caller"
)

// Request is the body of a call or cast.
type Request struct {
	RequestHeader `msgpack:",inline"`
	// Args is the method's arguments, a msgpack map encoded by the caller
	// and decoded by the handler into its own argument type.
	Args msgpack.RawMessage `msgpack:"args"`
}

// RequestHeader is everything in a request but the arguments.
type RequestHeader struct {
	Envelope  int            `msgpack:"envelope"`
	MessageID string         `msgpack:"message_id"`
	Namespace string         `msgpack:"namespace,omitempty"`
	Method    string         `msgpack:"method"`
	Version   string         `msgpack:"version"`
	Context   RequestContext `msgpack:"context"`
	// MonitorMS is the caller's call_monitor_timeout in milliseconds; when
	// set, the server heartbeats every half of it while the handler runs.
	MonitorMS int64 `msgpack:"call_monitor_timeout_ms,omitempty"`
	// TimeoutMS is how long the caller will wait, so the handler's context
	// can carry the same deadline. Zero for casts.
	TimeoutMS int64 `msgpack:"timeout_ms,omitempty"`
	// TraceParent is the W3C traceparent of a sender in a trace, the same
	// as the traceparent header: the header is for tools, the server reads
	// this one, so that it never touches the header map another goroutine
	// just built (a cache miss that cost more than the rest of the
	// envelope's decoding).
	TraceParent string `msgpack:"traceparent,omitempty"`
}

// ReplyKind tells a result from an error or a heartbeat.
type ReplyKind string

const (
	ReplyResult    ReplyKind = "result"
	ReplyError     ReplyKind = "error"
	ReplyHeartbeat ReplyKind = "heartbeat"
)

// Reply is the body of a message on a call's reply subject.
type Reply struct {
	Envelope int                `msgpack:"envelope"`
	Kind     ReplyKind          `msgpack:"kind"`
	Result   msgpack.RawMessage `msgpack:"result,omitempty"`
	Error    *WireError         `msgpack:"error,omitempty"`
}

// WireError is an error as it crosses the wire: the registered type name
// (nova's exception class), the message, and the type's own fields.
type WireError struct {
	Type    string             `msgpack:"type"`
	Message string             `msgpack:"message"`
	Fields  msgpack.RawMessage `msgpack:"fields,omitempty"`
}

// DecodeRequest parses a request body, checking the envelope version.
func DecodeRequest(data []byte) (*Request, error) {
	req := &Request{}
	if err := decodeRequest(data, req, serverDecoding{}); err != nil {
		return nil, err
	}
	return req, nil
}

// decodeRequest is DecodeRequest into a Request of the caller's.
func decodeRequest(data []byte, req *Request, sd serverDecoding) error {
	if err := decodeRequestEnvelope(data, req, sd); err != nil {
		return &MalformedMessage{Reason: "request is not a msgpack envelope: " + err.Error()}
	}
	if req.Envelope != EnvelopeVersion {
		return &MalformedMessage{Reason: fmt.Sprintf("envelope version %d is not supported (this server speaks %d)", req.Envelope, EnvelopeVersion)}
	}
	if req.Method == "" {
		return &MalformedMessage{Reason: "request names no method"}
	}
	if _, err := ParseVersion(req.Version); err != nil {
		return &MalformedMessage{Reason: fmt.Sprintf("request version %q is not of the form X.Y", req.Version)}
	}
	return nil
}

// DecodeReply parses a reply body, checking the envelope version.
func DecodeReply(data []byte) (*Reply, error) {
	rep := &Reply{}
	if err := decodeReply(data, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// decodeReply is DecodeReply into a Reply of the caller's.
func decodeReply(data []byte, rep *Reply) error {
	if err := decodeReplyEnvelope(data, rep); err != nil {
		return &MalformedMessage{Reason: "reply is not a msgpack envelope: " + err.Error()}
	}
	if rep.Envelope != EnvelopeVersion {
		return &MalformedMessage{Reason: fmt.Sprintf("reply envelope version %d is not supported (this client speaks %d)", rep.Envelope, EnvelopeVersion)}
	}
	switch rep.Kind {
	case ReplyResult, ReplyHeartbeat:
	case ReplyError:
		if rep.Error == nil {
			return &MalformedMessage{Reason: "error reply carries no error"}
		}
	default:
		return &MalformedMessage{Reason: fmt.Sprintf("reply kind %q is unknown", rep.Kind)}
	}
	return nil
}

func encodeReply(rep *Reply) []byte {
	rep.Envelope = EnvelopeVersion
	b, err := msgpack.Marshal(rep)
	if err != nil {
		// Only a result that msgpack cannot encode gets here; the result was
		// already encoded to RawMessage, so this is a programming error. Send
		// a well-formed error instead of nothing.
		b, _ = msgpack.Marshal(&Reply{Envelope: EnvelopeVersion, Kind: ReplyError,
			Error: &WireError{Type: "MalformedMessage", Message: "reply could not be encoded: " + err.Error()}})
	}
	return b
}

// encodeResult returns a result reply carrying result: the same bytes as
// a Reply with the result encoded in place.
func encodeResult(result any) ([]byte, error) {
	b := getMsgBuf()
	defer b.free()
	if err := b.writeResult(result); err != nil {
		return nil, err
	}
	return bytes.Clone(b.buf.Bytes()), nil
}

// heartbeatBody is constant: heartbeats carry nothing but their kind.
var heartbeatBody = encodeReply(&Reply{Kind: ReplyHeartbeat})

// newTraceParent continues the trace of parent (a W3C traceparent,
// "00-<trace id>-<span id>-<flags>") with a new span, or starts a new trace
// when parent is empty or malformed. Ids need to be unique, not secret, so
// they come from the fast per-goroutine generator of math/rand/v2.
func newTraceParent(parent string) string {
	var b [55]byte
	copy(b[:], "00-")
	if len(parent) == 55 && strings.HasPrefix(parent, "00-") && parent[35] == '-' && parent[52] == '-' {
		copy(b[3:35], parent[3:35])
		copy(b[52:], parent[52:])
	} else {
		putHex64(b[3:19], rand.Uint64())
		putHex64(b[19:35], rand.Uint64()|1) // an all-zero trace id is invalid
		copy(b[52:], "-00")                 // not sampled: nothing records this trace, and NATS skips parsing for unsampled ones
	}
	b[35] = '-'
	putHex64(b[36:52], rand.Uint64()|1)
	return string(b[:])
}

func putHex64(dst []byte, v uint64) {
	var raw [8]byte
	for i := 7; i >= 0; i-- {
		raw[i] = byte(v)
		v >>= 8
	}
	hex.Encode(dst, raw[:])
}

// messageIDLen is the length of a message id: 22 base62 characters, the
// shape of a NATS NUID, holding 128 random bits.
const messageIDLen = 22

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// appendNewMessageID appends a fresh message id as a msgpack string. It is
// written in place: a NUID would cost a string per message and a lock
// shared by every sending goroutine, and the id only has to be unique.
func appendNewMessageID(w []byte) []byte {
	w = append(w, 0xa0|messageIDLen) // fixstr
	for _, v := range [2]uint64{rand.Uint64(), rand.Uint64()} {
		for range messageIDLen / 2 {
			w = append(w, base62[v%62])
			v /= 62
		}
	}
	return w
}
