package rpc

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// The envelope is encoded and decoded field by field instead of through
// msgpack's reflection: it is on the path of every message, and the
// reflective struct decoder costs more than the NATS round trip's CPU. The
// bytes are the same msgpack maps the struct tags describe, so any msgpack
// reader (rpc tap, a Python client) decodes them with no knowledge of this.

// Envelope keys, shared by encoder, decoder and docs.
const (
	keyEnvelope  = "envelope"
	keyMessageID = "message_id"
	keyNamespace = "namespace"
	keyMethod    = "method"
	keyVersion   = "version"
	keyContext   = "context"
	keyMonitor   = "call_monitor_timeout_ms"
	keyTimeout   = "timeout_ms"
	keyArgs      = "args"

	keyRequestID       = "request_id"
	keyGlobalRequestID = "global_request_id"
	keyUserID          = "user_id"
	keyProjectID       = "project_id"
	keyRoles           = "roles"
	keyIsAdmin         = "is_admin"
	keyTimestamp       = "timestamp"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodeRequest writes the envelope of a request with its args.
func encodeRequest(h *RequestHeader, args any) ([]byte, error) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()

	n := 6 // envelope, message_id, method, version, context, args
	if h.Namespace != "" {
		n++
	}
	if h.MonitorMS != 0 {
		n++
	}
	if h.TimeoutMS != 0 {
		n++
	}
	b := buf.AvailableBuffer()
	b = appendMapLen(b, n)
	b = appendInt(appendString(b, keyEnvelope), int64(h.Envelope))
	b = appendString(appendString(b, keyMessageID), h.MessageID)
	if h.Namespace != "" {
		b = appendString(appendString(b, keyNamespace), h.Namespace)
	}
	b = appendString(appendString(b, keyMethod), h.Method)
	b = appendString(appendString(b, keyVersion), h.Version)
	b = appendContext(appendString(b, keyContext), &h.Context)
	if h.MonitorMS != 0 {
		b = appendInt(appendString(b, keyMonitor), h.MonitorMS)
	}
	if h.TimeoutMS != 0 {
		b = appendInt(appendString(b, keyTimeout), h.TimeoutMS)
	}
	b = appendString(b, keyArgs)
	buf.Write(b)
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(buf)
	if err := enc.Encode(args); err != nil {
		return nil, fmt.Errorf("rpc: encode args of %s (%T): %w", h.Method, args, err)
	}
	return bytes.Clone(buf.Bytes()), nil
}

func appendContext(b []byte, rc *RequestContext) []byte {
	n := 3 // request_id, is_admin, timestamp
	for _, s := range []string{rc.GlobalRequestID, rc.UserID, rc.ProjectID} {
		if s != "" {
			n++
		}
	}
	if len(rc.Roles) > 0 {
		n++
	}
	b = appendMapLen(b, n)
	b = appendString(appendString(b, keyRequestID), rc.RequestID)
	if rc.GlobalRequestID != "" {
		b = appendString(appendString(b, keyGlobalRequestID), rc.GlobalRequestID)
	}
	if rc.UserID != "" {
		b = appendString(appendString(b, keyUserID), rc.UserID)
	}
	if rc.ProjectID != "" {
		b = appendString(appendString(b, keyProjectID), rc.ProjectID)
	}
	if len(rc.Roles) > 0 {
		b = appendArrayLen(appendString(b, keyRoles), len(rc.Roles))
		for _, r := range rc.Roles {
			b = appendString(b, r)
		}
	}
	b = appendBool(appendString(b, keyIsAdmin), rc.IsAdmin)
	return appendTime(appendString(b, keyTimestamp), rc.Timestamp)
}

// decodeRequestEnvelope reads a request. Unknown keys are skipped, so a
// newer sender may add fields within the same envelope version. Args are
// sliced out of data, not copied.
func decodeRequestEnvelope(data []byte) (*Request, error) {
	r := &wireReader{b: data}
	n, err := r.mapLen()
	if err != nil {
		return nil, err
	}
	req := &Request{}
	for i := 0; i < n; i++ {
		key, err := r.strBytes()
		if err != nil {
			return nil, err
		}
		var v int64
		switch string(key) {
		case keyEnvelope:
			v, err = r.int()
			req.Envelope = int(v)
		case keyMessageID:
			req.MessageID, err = r.str()
		case keyNamespace:
			req.Namespace, err = r.str()
		case keyMethod:
			req.Method, err = r.str()
		case keyVersion:
			req.Version, err = r.str()
		case keyMonitor:
			req.MonitorMS, err = r.int()
		case keyTimeout:
			req.TimeoutMS, err = r.int()
		case keyContext:
			err = readContext(r, &req.Context)
		case keyArgs:
			req.Args, err = r.skip()
		default:
			_, err = r.skip()
		}
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", key, err)
		}
	}
	if req.Args == nil {
		req.Args = msgpack.RawMessage{0xc0} // absent args decode as nil
	}
	return req, nil
}

func readContext(r *wireReader, rc *RequestContext) error {
	n, err := r.mapLen()
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		key, err := r.strBytes()
		if err != nil {
			return err
		}
		switch string(key) {
		case keyRequestID:
			rc.RequestID, err = r.str()
		case keyGlobalRequestID:
			rc.GlobalRequestID, err = r.str()
		case keyUserID:
			rc.UserID, err = r.str()
		case keyProjectID:
			rc.ProjectID, err = r.str()
		case keyRoles:
			err = readStrings(r, &rc.Roles)
		case keyIsAdmin:
			rc.IsAdmin, err = r.bool()
		case keyTimestamp:
			rc.Timestamp, err = r.time()
		default:
			_, err = r.skip()
		}
		if err != nil {
			return fmt.Errorf("context field %q: %w", key, err)
		}
	}
	return nil
}

func readStrings(r *wireReader, out *[]string) error {
	c, err := r.byte()
	if err != nil {
		return err
	}
	var n uint64
	switch {
	case c&0xf0 == 0x90:
		n = uint64(c & 0x0f)
	case c == 0xdc:
		n, err = r.uint(2)
	case c == 0xdd:
		n, err = r.uint(4)
	case c == 0xc0:
		return nil
	default:
		return fmt.Errorf("expected an array, found msgpack code 0x%02x", c)
	}
	if err != nil {
		return err
	}
	if n > uint64(len(r.b)-r.pos) { // each element takes at least a byte
		return errShort
	}
	*out = make([]string, n)
	for i := range *out {
		if (*out)[i], err = r.str(); err != nil {
			return err
		}
	}
	return nil
}

// Reply keys.
const (
	keyKind    = "kind"
	keyResult  = "result"
	keyError   = "error"
	keyType    = "type"
	keyMessage = "message"
	keyFields  = "fields"
)

// decodeReplyEnvelope reads a reply; the result is sliced out of data.
func decodeReplyEnvelope(data []byte) (*Reply, error) {
	r := &wireReader{b: data}
	n, err := r.mapLen()
	if err != nil {
		return nil, err
	}
	rep := &Reply{}
	for i := 0; i < n; i++ {
		key, err := r.strBytes()
		if err != nil {
			return nil, err
		}
		var v int64
		switch string(key) {
		case keyEnvelope:
			v, err = r.int()
			rep.Envelope = int(v)
		case keyKind:
			var k string
			k, err = r.str()
			rep.Kind = ReplyKind(k)
		case keyResult:
			rep.Result, err = r.skip()
		case keyError:
			rep.Error, err = readWireError(r)
		default:
			_, err = r.skip()
		}
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", key, err)
		}
	}
	return rep, nil
}

func readWireError(r *wireReader) (*WireError, error) {
	n, err := r.mapLen()
	if err != nil {
		return nil, err
	}
	we := &WireError{}
	for i := 0; i < n; i++ {
		key, err := r.strBytes()
		if err != nil {
			return nil, err
		}
		switch string(key) {
		case keyType:
			we.Type, err = r.str()
		case keyMessage:
			we.Message, err = r.str()
		case keyFields:
			we.Fields, err = r.skip()
		default:
			_, err = r.skip()
		}
		if err != nil {
			return nil, fmt.Errorf("error field %q: %w", key, err)
		}
	}
	return we, nil
}
