package rpc

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/vmihailenco/msgpack/v5"
)

// EnvelopeVersion is the version of the wire format this package speaks. A
// receiver refuses envelopes of another version with a clear error rather
// than guessing at their meaning (oslo.messaging's "oslo.version").
const EnvelopeVersion = 1

// NATS headers: they let tools (rpc tap, nats sub) see who sent what
// without decoding the body. The request id header keeps nova's HTTP name.
const (
	HeaderRequestID   = "X-Openstack-Request-Id"
	HeaderTraceParent = "traceparent"
	HeaderMethod      = "Novanats-Method"
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
}

// outgoingRequest encodes to the same bytes as Request, with the args
// encoded in place instead of being encoded first and copied.
type outgoingRequest struct {
	RequestHeader `msgpack:",inline"`
	Args          any `msgpack:"args"`
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

// encodeRequest writes the envelope of a request with its args.
func encodeRequest(h *RequestHeader, args any) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(256)
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(&buf)
	if err := enc.Encode(outgoingRequest{RequestHeader: *h, Args: args}); err != nil {
		return nil, fmt.Errorf("rpc: encode args of %s (%T): %w", h.Method, args, err)
	}
	return buf.Bytes(), nil
}

// DecodeRequest parses a request body, checking the envelope version.
func DecodeRequest(data []byte) (*Request, error) {
	var req Request
	if err := msgpack.Unmarshal(data, &req); err != nil {
		return nil, &MalformedMessage{Reason: "request is not a msgpack envelope: " + err.Error()}
	}
	if req.Envelope != EnvelopeVersion {
		return nil, &MalformedMessage{Reason: fmt.Sprintf("envelope version %d is not supported (this server speaks %d)", req.Envelope, EnvelopeVersion)}
	}
	if req.Method == "" {
		return nil, &MalformedMessage{Reason: "request names no method"}
	}
	if _, err := ParseVersion(req.Version); err != nil {
		return nil, &MalformedMessage{Reason: fmt.Sprintf("request version %q is not of the form X.Y", req.Version)}
	}
	return &req, nil
}

// DecodeReply parses a reply body, checking the envelope version.
func DecodeReply(data []byte) (*Reply, error) {
	var rep Reply
	if err := msgpack.Unmarshal(data, &rep); err != nil {
		return nil, &MalformedMessage{Reason: "reply is not a msgpack envelope: " + err.Error()}
	}
	if rep.Envelope != EnvelopeVersion {
		return nil, &MalformedMessage{Reason: fmt.Sprintf("reply envelope version %d is not supported (this client speaks %d)", rep.Envelope, EnvelopeVersion)}
	}
	switch rep.Kind {
	case ReplyResult, ReplyHeartbeat:
	case ReplyError:
		if rep.Error == nil {
			return nil, &MalformedMessage{Reason: "error reply carries no error"}
		}
	default:
		return nil, &MalformedMessage{Reason: fmt.Sprintf("reply kind %q is unknown", rep.Kind)}
	}
	return &rep, nil
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

// heartbeatBody is constant: heartbeats carry nothing but their kind.
var heartbeatBody = encodeReply(&Reply{Kind: ReplyHeartbeat})

// newTraceParent continues the trace of parent (a W3C traceparent) with a new
// span, or starts a new trace when parent is empty or malformed.
func newTraceParent(parent string) string {
	var span [8]byte
	_, _ = rand.Read(span[:])
	parts := strings.Split(parent, "-")
	if len(parts) == 4 && len(parts[1]) == 32 {
		return "00-" + parts[1] + "-" + hex.EncodeToString(span[:]) + "-" + parts[3]
	}
	var trace [16]byte
	_, _ = rand.Read(trace[:])
	return "00-" + hex.EncodeToString(trace[:]) + "-" + hex.EncodeToString(span[:]) + "-01"
}
