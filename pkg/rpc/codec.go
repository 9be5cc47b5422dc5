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
	keyTrace     = "traceparent"

	keyRequestID       = "request_id"
	keyGlobalRequestID = "global_request_id"
	keyUserID          = "user_id"
	keyProjectID       = "project_id"
	keyRoles           = "roles"
	keyIsAdmin         = "is_admin"
	keyTimestamp       = "timestamp"
)

// msgBuf is a pooled message buffer with a msgpack encoder bound to it. A
// message body is built in it and published straight from it (nats.go
// copies what it publishes before Publish returns), so a message costs no
// buffer growth, copy or encoder look-up.
type msgBuf struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
}

var msgBufs = sync.Pool{New: func() any {
	b := new(msgBuf)
	b.enc = msgpack.NewEncoder(&b.buf)
	return b
}}

// maxPooledBuf: a buffer grown by one large message is left to the GC
// rather than pinned in the pool.
const maxPooledBuf = 64 << 10

func getMsgBuf() *msgBuf {
	b := msgBufs.Get().(*msgBuf)
	b.buf.Reset()
	return b
}

func (b *msgBuf) free() {
	if b.buf.Cap() <= maxPooledBuf {
		msgBufs.Put(b)
	}
}

// encodeRequest returns the envelope of a request with its args.
func encodeRequest(h *RequestHeader, args any) ([]byte, error) {
	b := getMsgBuf()
	defer b.free()
	if err := b.writeRequest(h, args); err != nil {
		return nil, err
	}
	return bytes.Clone(b.buf.Bytes()), nil
}

// writeRequest writes the envelope of a request with its args into b.
func (b *msgBuf) writeRequest(h *RequestHeader, args any) error {
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
	if h.TraceParent != "" {
		n++
	}
	w := b.buf.AvailableBuffer()
	w = appendMapLen(w, n)
	w = appendInt(appendString(w, keyEnvelope), int64(h.Envelope))
	w = appendString(w, keyMessageID)
	if h.MessageID != "" {
		w = appendString(w, h.MessageID)
	} else {
		w = appendNewMessageID(w)
	}
	if h.Namespace != "" {
		w = appendString(appendString(w, keyNamespace), h.Namespace)
	}
	w = appendString(appendString(w, keyMethod), h.Method)
	w = appendString(appendString(w, keyVersion), h.Version)
	w = appendContext(appendString(w, keyContext), &h.Context)
	if h.MonitorMS != 0 {
		w = appendInt(appendString(w, keyMonitor), h.MonitorMS)
	}
	if h.TimeoutMS != 0 {
		w = appendInt(appendString(w, keyTimeout), h.TimeoutMS)
	}
	if h.TraceParent != "" {
		w = appendString(appendString(w, keyTrace), h.TraceParent)
	}
	w = appendString(w, keyArgs)
	b.buf.Write(w)
	if err := b.enc.Encode(args); err != nil {
		return fmt.Errorf("rpc: encode args of %s (%T): %w", h.Method, args, err)
	}
	return nil
}

// resultPrefix is a result reply up to its result value: the map
// {envelope: 1, kind: "result", result: ...} in the key order of Reply's
// struct tags, so the bytes equal msgpack.Marshal of the struct form.
var resultPrefix = func() []byte {
	b := appendMapLen(nil, 3)
	b = appendInt(appendString(b, keyEnvelope), EnvelopeVersion)
	b = appendString(appendString(b, keyKind), string(ReplyResult))
	return appendString(b, keyResult)
}()

// writeResult writes a result reply carrying result into b.
func (b *msgBuf) writeResult(result any) error {
	b.buf.Write(resultPrefix)
	return b.enc.Encode(result)
}

// argDecoder is a pooled msgpack decoder bound to a reader it is reset on:
// msgpack.Unmarshal would allocate a reader per call.
type argDecoder struct {
	rd  bytes.Reader
	dec *msgpack.Decoder
}

var argDecoders = sync.Pool{New: func() any {
	d := new(argDecoder)
	d.dec = msgpack.NewDecoder(&d.rd)
	return d
}}

// unmarshal is msgpack.Unmarshal (same decoder settings) without the
// per-call reader.
func unmarshal(data []byte, v any) error {
	d := argDecoders.Get().(*argDecoder)
	d.rd.Reset(data)
	err := d.dec.Decode(v)
	d.rd.Reset(nil) // do not keep the message alive from the pool
	argDecoders.Put(d)
	return err
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

// interner returns the string of b, from a table of known names where it
// can, so that the names every request carries (method, namespace,
// version) cost no allocation. nil means plain string(b).
type interner func(b []byte) string

func (r *wireReader) strIntern(in interner) (string, error) {
	b, err := r.strBytes()
	if err != nil || in == nil {
		return string(b), err
	}
	return in(b), nil
}

// serverDecoding spares the server's hot path strings it never reads. The
// zero value decodes everything (DecodeRequest, tap).
type serverDecoding struct {
	intern interner
	// skipMessageID: nothing on the server reads the message id.
	skipMessageID bool
}

// decodeRequestEnvelope reads a request into req. Unknown keys are
// skipped, so a newer sender may add fields within the same envelope
// version. Args are sliced out of data, not copied.
func decodeRequestEnvelope(data []byte, req *Request, sd serverDecoding) error {
	in := sd.intern
	r := &wireReader{b: data}
	n, err := r.mapLen()
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		key, err := r.strBytes()
		if err != nil {
			return err
		}
		var v int64
		switch string(key) {
		case keyEnvelope:
			v, err = r.int()
			req.Envelope = int(v)
		case keyMessageID:
			if sd.skipMessageID {
				_, err = r.strBytes()
			} else {
				req.MessageID, err = r.str()
			}
		case keyNamespace:
			req.Namespace, err = r.strIntern(in)
		case keyMethod:
			req.Method, err = r.strIntern(in)
		case keyVersion:
			req.Version, err = r.strIntern(in)
		case keyMonitor:
			req.MonitorMS, err = r.int()
		case keyTimeout:
			req.TimeoutMS, err = r.int()
		case keyTrace:
			req.TraceParent, err = r.str()
		case keyContext:
			err = readContext(r, &req.Context)
		case keyArgs:
			req.Args, err = r.skip()
		default:
			_, err = r.skip()
		}
		if err != nil {
			return fmt.Errorf("field %q: %w", key, err)
		}
	}
	if req.Args == nil {
		req.Args = nilArgs // absent args decode as nil
	}
	return nil
}

var nilArgs = msgpack.RawMessage{0xc0}

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

// decodeReplyEnvelope reads a reply into rep; the result is sliced out of
// data.
func decodeReplyEnvelope(data []byte, rep *Reply) error {
	r := &wireReader{b: data}
	n, err := r.mapLen()
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		key, err := r.strBytes()
		if err != nil {
			return err
		}
		var v int64
		switch string(key) {
		case keyEnvelope:
			v, err = r.int()
			rep.Envelope = int(v)
		case keyKind:
			var k []byte
			k, err = r.strBytes()
			rep.Kind = replyKind(k)
		case keyResult:
			rep.Result, err = r.skip()
		case keyError:
			rep.Error, err = readWireError(r)
		default:
			_, err = r.skip()
		}
		if err != nil {
			return fmt.Errorf("field %q: %w", key, err)
		}
	}
	return nil
}

// replyKind returns the constant for a known kind, without allocating.
func replyKind(k []byte) ReplyKind {
	switch ReplyKind(k) {
	case ReplyResult:
		return ReplyResult
	case ReplyError:
		return ReplyError
	case ReplyHeartbeat:
		return ReplyHeartbeat
	}
	return ReplyKind(k)
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
