package rpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// DefaultTimeout is oslo.messaging's rpc_response_timeout.
const DefaultTimeout = 60 * time.Second

// Client sends calls and casts to a target. It is cheap to Prepare derived
// clients from it; all of them share one reply subscription.
type Client struct {
	conn   *connState
	target Target
	opts   clientOptions
}

type clientOptions struct {
	timeout        time.Duration
	monitorTimeout time.Duration
	versionCap     *APIVersion
	prefix         string
	caller         string
	metrics        *Metrics
	logger         *slog.Logger
}

// ClientOption configures NewClient and Prepare.
type ClientOption func(*Client) error

// ToServer directs the client at one server of the topic (`<topic>.<server>`).
func ToServer(host string) ClientOption {
	return func(c *Client) error {
		if err := validateName("server", host); err != nil {
			return err
		}
		c.target.Server = host
		return nil
	}
}

// Version sets the version sent when a method does not name its own.
func Version(v string) ClientOption {
	return func(c *Client) error {
		if _, err := ParseVersion(v); err != nil {
			return err
		}
		c.target.Version = v
		return nil
	}
}

// Namespace sets the endpoint namespace sent by Call and Cast.
func Namespace(ns string) ClientOption {
	return func(c *Client) error { c.target.Namespace = ns; return nil }
}

// Fanout makes casts go to every server of the topic.
func Fanout(on bool) ClientOption {
	return func(c *Client) error { c.target.Fanout = on; return nil }
}

// Timeout bounds how long a call waits for its reply (default 60 s). An
// earlier context deadline wins.
func Timeout(d time.Duration) ClientOption {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("rpc: timeout must be positive, got %s", d)
		}
		c.opts.timeout = d
		return nil
	}
}

// CallMonitorTimeout enables nova's call_monitor_timeout: the server
// heartbeats every half of d while the handler runs, and the call fails
// once heartbeats stop for d, even if the overall timeout is far away.
func CallMonitorTimeout(d time.Duration) ClientOption {
	return func(c *Client) error {
		if d < 0 {
			return fmt.Errorf("rpc: call monitor timeout must not be negative, got %s", d)
		}
		c.opts.monitorTimeout = d
		return nil
	}
}

// VersionCap refuses, locally, to send a version higher than v (nova's
// upgrade_levels pinning during a rolling upgrade).
func VersionCap(v string) ClientOption {
	return func(c *Client) error {
		pv, err := ParseVersion(v)
		if err != nil {
			return err
		}
		c.opts.versionCap = &pv
		return nil
	}
}

// SubjectPrefix puts every subject under a prefix, e.g. "cell1.", so that
// several deployments share one NATS.
func SubjectPrefix(prefix string) ClientOption {
	return func(c *Client) error {
		if err := validatePrefix(prefix); err != nil {
			return err
		}
		c.opts.prefix = prefix
		return nil
	}
}

// Caller names the sending service in the message headers (for rpc tap).
func Caller(name string) ClientOption {
	return func(c *Client) error { c.opts.caller = name; return nil }
}

// WithMetrics records client-side metrics.
func WithMetrics(m *Metrics) ClientOption {
	return func(c *Client) error { c.opts.metrics = m; return nil }
}

// WithLogger sets the client's logger (default slog.Default()).
func WithLogger(l *slog.Logger) ClientOption {
	return func(c *Client) error { c.opts.logger = l; return nil }
}

// NewClient returns a client for target on nc.
func NewClient(nc *nats.Conn, target Target, opts ...ClientOption) (*Client, error) {
	if nc == nil {
		return nil, errors.New("rpc: NewClient needs a NATS connection")
	}
	if target.Version == "" {
		target.Version = "1.0"
	}
	c := &Client{conn: &connState{nc: nc}, target: target, opts: clientOptions{timeout: DefaultTimeout}}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if err := c.target.validate(false); err != nil {
		return nil, err
	}
	if c.opts.logger == nil {
		c.opts.logger = slog.Default()
	}
	return c, nil
}

// Prepare returns a client derived from c with some options overridden, as
// oslo.messaging's client.prepare does.
func (c *Client) Prepare(opts ...ClientOption) (*Client, error) {
	d := &Client{conn: c.conn, target: c.target, opts: c.opts}
	for _, o := range opts {
		if err := o(d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// MustPrepare is Prepare for options known to be valid (constants); it
// panics on an invalid option.
func (c *Client) MustPrepare(opts ...ClientOption) *Client {
	d, err := c.Prepare(opts...)
	if err != nil {
		panic(err)
	}
	return d
}

// Target returns the client's target.
func (c *Client) Target() Target { return c.target }

// CanSendVersion says whether the version cap allows sending v.
func (c *Client) CanSendVersion(v string) bool {
	pv, err := ParseVersion(v)
	if err != nil {
		return false
	}
	return c.opts.versionCap == nil || c.opts.versionCap.compatible(pv)
}

// Call invokes method on the target and waits for its reply, decoded into
// reply (a pointer, or nil to discard it).
func (c *Client) Call(ctx context.Context, method string, args, reply any) error {
	return c.invoke(ctx, CallTypeCall, c.target.Namespace, method, c.target.Version, args, reply)
}

// Cast invokes method without waiting; with Fanout every server receives it.
func (c *Client) Cast(ctx context.Context, method string, args any) error {
	kind := CallTypeCast
	if c.target.Fanout {
		kind = CallTypeFanout
	}
	return c.invoke(ctx, kind, c.target.Namespace, method, c.target.Version, args, nil)
}

func (c *Client) invoke(ctx context.Context, kind, namespace, method, version string, args, reply any) (err error) {
	pv, err := ParseVersion(version)
	if err != nil {
		return err
	}
	if c.opts.versionCap != nil && !c.opts.versionCap.compatible(pv) {
		return &UnsupportedVersion{Version: version, Method: method,
			Reason: "version cap " + c.opts.versionCap.String() + " forbids sending it"}
	}
	target := c.target
	target.Fanout = kind == CallTypeFanout
	if kind == CallTypeCall {
		target.Fanout = false
	}
	subject := subjects{c.opts.prefix}.forTarget(target)
	inv := c.opts.metrics.begin("client", c.target.Topic, method, kind, namespace, version, target.Server)
	if inv.active() { // time only what is measured
		start := time.Now()
		defer func() { inv.finish(time.Since(start).Seconds(), err) }()
	}

	rc, ok := RequestContextFrom(ctx)
	if !ok {
		rc = NewRequestContext() // this message's own; ctx needs no copy of it
	}
	hdr := RequestHeader{
		Envelope: EnvelopeVersion,
		// MessageID left empty: writeRequest writes a fresh one in place.
		Namespace: namespace,
		Method:    method,
		Version:   version,
		Context:   rc,
	}
	monitor := c.opts.monitorTimeout
	var timeout time.Duration
	if kind == CallTypeCall {
		timeout = c.callTimeout(ctx)
		hdr.TimeoutMS = timeout.Milliseconds()
		if monitor > 0 {
			hdr.MonitorMS = monitor.Milliseconds()
		}
	}
	// Like OpenTelemetry's propagator, a message carries a traceparent only
	// when its sender is in a trace (StartTrace at the edge, or a handler
	// whose caller sent one): a made-up trace per message would tie nothing
	// together, and the header costs NATS a parse on every hop.
	if parent := TraceParentFrom(ctx); parent != "" {
		hdr.TraceParent = newTraceParent(parent)
	}
	body := getMsgBuf()
	defer body.free()
	if err := body.writeRequest(&hdr, args); err != nil {
		return err
	}
	out := getOutMsg(subject, body.buf.Bytes(), rc.RequestID, hdr.TraceParent, c.opts.caller)
	if kind != CallTypeCall {
		err := c.conn.nc.PublishMsg(&out.msg)
		out.free()
		if err != nil {
			return c.publishError("cast", method, subject, body.buf.Len(), err)
		}
		return nil
	}
	return c.call(ctx, out, method, subject, timeout, monitor, reply)
}

// publishError explains a failed publish. nats.go refuses a message over
// the server's max_payload itself, so the limit is only looked up (under
// the connection's lock) to explain that refusal, not for every message.
func (c *Client) publishError(kind, method, subject string, size int, err error) error {
	if errors.Is(err, nats.ErrMaxPayload) {
		return fmt.Errorf("rpc: %s on %s: message of %d bytes exceeds the NATS max_payload of %d bytes", method, subject, size, c.conn.nc.MaxPayload())
	}
	return fmt.Errorf("rpc: %s %s on %s: %w", kind, method, subject, err)
}

// outMsg is a pooled outgoing message with its header map: nats.go turns
// the map into bytes during Publish and keeps neither, so the map and its
// value slices are reused rather than built for every message.
type outMsg struct {
	msg                      nats.Msg
	requestID, trace, caller [1]string
}

var outMsgs = sync.Pool{New: func() any {
	o := new(outMsg)
	o.msg.Header = nats.Header{HeaderRequestID: o.requestID[:]}
	return o
}}

func getOutMsg(subject string, data []byte, requestID, traceParent, caller string) *outMsg {
	o := outMsgs.Get().(*outMsg)
	o.msg.Subject, o.msg.Data = subject, data
	o.requestID[0] = requestID
	setOptionalHeader(o.msg.Header, HeaderTraceParent, o.trace[:], traceParent)
	setOptionalHeader(o.msg.Header, HeaderCaller, o.caller[:], caller)
	return o
}

// setOptionalHeader puts value in h[key] through the pooled one-element
// slot, or leaves the key out when value is empty.
func setOptionalHeader(h nats.Header, key string, slot []string, value string) {
	if value == "" {
		delete(h, key)
		return
	}
	slot[0] = value
	h[key] = slot
}

func (o *outMsg) free() {
	o.msg.Subject, o.msg.Reply, o.msg.Data = "", "", nil
	o.requestID[0], o.trace[0], o.caller[0] = "", "", ""
	outMsgs.Put(o)
}

// timers are reused across calls; since Go 1.23 a stopped timer's channel
// holds no stale tick, so Reset on a pooled one is safe.
var timers sync.Pool

func getTimer(d time.Duration) *time.Timer {
	if t, _ := timers.Get().(*time.Timer); t != nil {
		t.Reset(d)
		return t
	}
	return time.NewTimer(d)
}

func putTimer(t *time.Timer) {
	t.Stop()
	timers.Put(t)
}

// call publishes out (and frees it) and waits for the reply.
func (c *Client) call(ctx context.Context, out *outMsg, method, subject string, timeout, monitor time.Duration, reply any) error {
	start := time.Now()
	w, err := c.conn.waiter()
	if err != nil {
		out.free()
		return err
	}
	defer c.conn.release(w)
	out.msg.Reply = w.inbox
	size := len(out.msg.Data)
	err = c.conn.nc.PublishMsg(&out.msg)
	out.free()
	if err != nil {
		return c.publishError("call", method, subject, size, err)
	}
	overall := getTimer(timeout)
	defer putTimer(overall)
	var monitorC <-chan time.Time
	var monitorT *time.Timer
	lastBeat := start
	if monitor > 0 {
		monitorT = time.NewTimer(monitor)
		defer monitorT.Stop()
		monitorC = monitorT.C
	}
	for {
		select {
		case m := <-w.ch:
			if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
				return &NoResponders{Subject: subject, Method: method}
			}
			var rep Reply
			if err := decodeReply(m.Data, &rep); err != nil {
				return fmt.Errorf("rpc: reply to %s on %s: %w", method, subject, err)
			}
			switch rep.Kind {
			case ReplyHeartbeat:
				lastBeat = time.Now()
				if monitorT != nil {
					monitorT.Reset(monitor)
				}
				continue
			case ReplyError:
				return fromWire(rep.Error, method, subject)
			}
			if reply == nil {
				return nil
			}
			if err := unmarshal(rep.Result, reply); err != nil {
				return fmt.Errorf("rpc: reply to %s on %s does not decode into %T: %w", method, subject, reply, err)
			}
			return nil
		case <-overall.C:
			if ctx.Err() != nil {
				return fmt.Errorf("rpc: call %s on %s: %w", method, subject, ctx.Err())
			}
			return &MessagingTimeout{Method: method, Subject: subject, Elapsed: time.Since(start)}
		case <-monitorC:
			return &HeartbeatTimeout{Method: method, Subject: subject, SinceHeartbeat: time.Since(lastBeat), Elapsed: time.Since(start)}
		case <-ctx.Done():
			return fmt.Errorf("rpc: call %s on %s after %s: %w", method, subject, time.Since(start).Round(time.Millisecond), ctx.Err())
		case <-c.conn.closed:
			return fmt.Errorf("rpc: call %s on %s: the NATS connection closed while waiting for the reply: %w", method, subject, nats.ErrConnectionClosed)
		}
	}
}

// callTimeout is the client's timeout, or less when ctx's deadline is earlier.
func (c *Client) callTimeout(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < c.opts.timeout {
		return time.Until(dl)
	}
	return c.opts.timeout
}

// connState is the reply side shared by a client and everything prepared
// from it: one wildcard subscription on a private inbox prefix, with a
// waiter per outstanding call. Unlike nats.Conn.Request it delivers more
// than one message per call, which heartbeats need.
type connState struct {
	nc      *nats.Conn
	once    sync.Once
	initErr error
	prefix  string
	mu      sync.Mutex
	waiters map[string]*waiter
	// next numbers the calls: a call's reply subject is the prefix and its
	// number, so tokens are never reused and cost no random bytes.
	next uint64
	// free holds waiters of ended calls for reuse (see release).
	free []*waiter
	// closed is closed when the connection closes for good: calls still
	// waiting fail then instead of at their timeout.
	closed chan struct{}
}

type waiter struct {
	inbox string
	token string // inbox without the prefix: the waiters key
	ch    chan *nats.Msg
}

func (s *connState) init() {
	s.prefix = s.nc.NewInbox() + "." // "_INBOX.<nuid>.": a namespace of our own
	s.waiters = map[string]*waiter{}
	s.closed = make(chan struct{})
	var once sync.Once
	markClosed := func() { once.Do(func() { close(s.closed) }) }
	statuses := s.nc.StatusChanged(nats.CLOSED)
	go func() {
		<-statuses
		markClosed()
	}()
	if s.nc.IsClosed() {
		markClosed()
		s.initErr = nats.ErrConnectionClosed
		return
	}
	_, s.initErr = s.nc.Subscribe(s.prefix+"*", s.dispatch)
	if s.initErr != nil {
		s.initErr = fmt.Errorf("rpc: subscribe to reply inbox: %w", s.initErr)
	}
}

// dispatch hands a message to its call. It sends under mu, so once
// release has removed a waiter no message can reach its channel, which
// lets release reuse the waiter for another call.
func (s *connState) dispatch(m *nats.Msg) {
	token := m.Subject[len(s.prefix):]
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.waiters[token]
	if w == nil {
		return // a late reply or heartbeat for a call that already ended
	}
	for {
		select {
		case w.ch <- m:
			return
		default:
			// The caller is behind on heartbeats. Drop the oldest message:
			// the result is always the last message of a call, so only a
			// heartbeat is ever dropped, which is harmless.
			select {
			case <-w.ch:
			default:
			}
		}
	}
}

func (s *connState) waiter() (*waiter, error) {
	s.once.Do(s.init)
	if s.initErr != nil {
		return nil, s.initErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var w *waiter
	if n := len(s.free); n > 0 {
		w = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		w = &waiter{ch: make(chan *nats.Msg, 4)}
	}
	s.next++
	var buf [20]byte
	w.inbox = s.prefix + string(strconv.AppendUint(buf[:0], s.next, 36))
	w.token = w.inbox[len(s.prefix):]
	s.waiters[w.token] = w
	return w, nil
}

// maxFreeWaiters bounds the waiters kept for reuse: as many as calls
// usually run at once on a connection.
const maxFreeWaiters = 256

// release forgets a waiter. Its token is never used again, so a reply that
// arrives late cannot be taken for another call's reply; and since
// dispatch sends under mu, nothing reaches the channel after this, so the
// waiter, emptied, serves another call.
func (s *connState) release(w *waiter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.waiters, w.token)
	for len(w.ch) > 0 {
		<-w.ch
	}
	w.inbox, w.token = "", ""
	if len(s.free) < maxFreeWaiters {
		s.free = append(s.free, w)
	}
}
