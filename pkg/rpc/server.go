package rpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/vmihailenco/msgpack/v5"
)

// DefaultWorkerPool is oslo.messaging's executor_thread_pool_size.
const DefaultWorkerPool = 64

// Server serves the endpoints of one service on NATS. It listens on
// <topic> (queue group <topic>: one server of the topic gets each message),
// on <topic>.<server> and on <topic>_fanout.
type Server struct {
	nc     *nats.Conn
	target Target
	opts   serverOptions

	mu        sync.RWMutex
	endpoints map[string]*Endpoint
	subs      []*nats.Subscription
	started   bool
	stopped   bool

	// queue receives every message of the three subscriptions straight from
	// the NATS reader; the pool's workers (up to poolSize, see workerPool)
	// take from it. When all workers are busy messages wait here, and once
	// it is full NATS drops them and reports a slow consumer (counted,
	// logged, never fatal).
	queue     chan *nats.Msg
	draining  chan struct{} // closed by Stop: workers empty the queue and exit
	pool      workerPool
	workers   sync.WaitGroup
	fanout    string // the fanout subject, to tell fanout casts apart
	baseCtx   context.Context
	cancel    context.CancelFunc
	stats     *serverStats
	discovery *discovery
	ready     atomic.Bool

	// names are the registered method names, namespaces and versions, for
	// intern.
	names   atomic.Pointer[map[string]string]
	namesMu sync.Mutex
}

type serverOptions struct {
	poolSize int
	queueLen int
	prefix   string
	metrics  *Metrics
	logger   *slog.Logger
}

// ServerOption configures NewServer.
type ServerOption func(*serverOptions) error

// WorkerPool sets the number of handlers that run at once (default 64). When
// all are busy the server stops taking messages off NATS until one ends.
func WorkerPool(n int) ServerOption {
	return func(o *serverOptions) error {
		if n < 1 {
			return fmt.Errorf("rpc: worker pool size must be at least 1, got %d", n)
		}
		o.poolSize = n
		return nil
	}
}

// QueueLength sets how many received messages may wait for a free worker
// (default 65536) before NATS drops messages as a slow consumer.
func QueueLength(n int) ServerOption {
	return func(o *serverOptions) error {
		if n < 1 {
			return fmt.Errorf("rpc: queue length must be at least 1, got %d", n)
		}
		o.queueLen = n
		return nil
	}
}

// ServerSubjectPrefix puts the server's subjects under a prefix (see SubjectPrefix).
func ServerSubjectPrefix(prefix string) ServerOption {
	return func(o *serverOptions) error {
		if err := validatePrefix(prefix); err != nil {
			return err
		}
		o.prefix = prefix
		return nil
	}
}

// ServerMetrics records server-side metrics.
func ServerMetrics(m *Metrics) ServerOption {
	return func(o *serverOptions) error { o.metrics = m; return nil }
}

// ServerLogger sets the server's logger (default slog.Default()).
func ServerLogger(l *slog.Logger) ServerOption {
	return func(o *serverOptions) error { o.logger = l; return nil }
}

// NewServer returns a server for target.Topic and target.Server. Register
// endpoints and handlers, then Start it.
func NewServer(nc *nats.Conn, target Target, opts ...ServerOption) (*Server, error) {
	if nc == nil {
		return nil, errors.New("rpc: NewServer needs a NATS connection")
	}
	if err := target.validate(true); err != nil {
		return nil, err
	}
	o := serverOptions{poolSize: DefaultWorkerPool, queueLen: 1 << 16}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	o.logger = o.logger.With("topic", target.Topic, "server", target.Server)
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		nc: nc, target: target, opts: o,
		endpoints: map[string]*Endpoint{},
		queue:     make(chan *nats.Msg, o.queueLen),
		draining:  make(chan struct{}),
		baseCtx:   ctx, cancel: cancel,
		stats: newServerStats(),
	}, nil
}

// Target returns the server's topic and name.
func (s *Server) Target() Target { return s.target }

// Endpoint returns the server's endpoint for namespace at version "X.Y",
// creating it on first use. A server may have one endpoint per namespace.
func (s *Server) Endpoint(namespace, version string) *Endpoint {
	v, err := ParseVersion(version)
	if err != nil {
		panic(fmt.Sprintf("rpc: endpoint %q: %v", namespace, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ep, ok := s.endpoints[namespace]; ok {
		if ep.version != v {
			panic(fmt.Sprintf("rpc: endpoint %q already registered at version %s, not %s", namespace, ep.version, v))
		}
		return ep
	}
	ep := &Endpoint{server: s, Namespace: namespace, version: v, handlers: map[string]*handler{}}
	s.endpoints[namespace] = ep
	s.addNames(namespace, version, v.String())
	return ep
}

// Endpoint is a set of methods in one namespace at one version (an oslo
// endpoint object with its target).
type Endpoint struct {
	server    *Server
	Namespace string
	version   APIVersion
	mu        sync.RWMutex
	handlers  map[string]*handler
}

// Version is the endpoint's "X.Y" version.
func (ep *Endpoint) Version() string { return ep.version.String() }

type handler struct {
	spec MethodSpec
	// at is the handler function's file:line, for the RPC map.
	at string
	fn func(ctx context.Context, args msgpack.RawMessage) (any, error)
}

// HandleCall registers fn as the handler of m on ep.
func HandleCall[A, R any](ep *Endpoint, m CallMethod[A, R], fn func(context.Context, A) (R, error)) {
	ep.register(m.Spec, funcLocation(fn), func(ctx context.Context, raw msgpack.RawMessage) (any, error) {
		var args A
		if err := decodeArgs(raw, &args, m.Spec.Name); err != nil {
			return nil, err
		}
		return fn(ctx, args)
	})
}

// HandleCast registers fn as the handler of m on ep.
func HandleCast[A any](ep *Endpoint, m CastMethod[A], fn func(context.Context, A) error) {
	ep.register(m.Spec, funcLocation(fn), func(ctx context.Context, raw msgpack.RawMessage) (any, error) {
		var args A
		if err := decodeArgs(raw, &args, m.Spec.Name); err != nil {
			return nil, err
		}
		return nil, fn(ctx, args)
	})
}

func decodeArgs(raw msgpack.RawMessage, into any, method string) error {
	if err := unmarshal(raw, into); err != nil {
		return &MalformedMessage{Reason: fmt.Sprintf("args of %s do not decode into %T: %v", method, into, err)}
	}
	return nil
}

// funcLocation is where a handler is, file:line, for discovery and logs. It
// must be called by HandleCall or HandleCast directly. A method value
// (m.objectAction) is a compiler-generated wrapper named "pkg.(*T).name-fm"
// whose own position is <autogenerated>:1, and the runtime cannot look the
// method itself up by name; for those the location is the line that
// registered the handler, which names the method, plus the method's name.
func funcLocation(fn any) string {
	pc := funcPC(fn)
	f := runtime.FuncForPC(pc)
	if f == nil {
		return ""
	}
	if name, ok := strings.CutSuffix(f.Name(), "-fm"); ok {
		// 0 funcLocation, 1 HandleCall/HandleCast, 2 their caller.
		if _, file, line, ok := runtime.Caller(2); ok {
			return fmt.Sprintf("%s:%d (%s)", file, line, name)
		}
		return name
	}
	file, line := f.FileLine(pc)
	return fmt.Sprintf("%s:%d", file, line)
}

func (ep *Endpoint) register(spec MethodSpec, at string, fn func(context.Context, msgpack.RawMessage) (any, error)) {
	s := ep.server
	switch {
	case spec.Topic != s.target.Topic:
		panic(fmt.Sprintf("rpc: method %s is of topic %q, registered on a %q server", spec.Name, spec.Topic, s.target.Topic))
	case spec.Namespace != ep.Namespace:
		panic(fmt.Sprintf("rpc: method %s is of namespace %q, registered on endpoint %q", spec.Name, spec.Namespace, ep.Namespace))
	}
	if v, _ := ParseVersion(spec.Version); !ep.version.compatible(v) {
		panic(fmt.Sprintf("rpc: method %s is sent at %s, which endpoint %q at %s cannot serve", spec.Name, spec.Version, ep.Namespace, ep.version))
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if _, dup := ep.handlers[spec.Name]; dup {
		panic(fmt.Sprintf("rpc: method %s registered twice on endpoint %q", spec.Name, ep.Namespace))
	}
	ep.handlers[spec.Name] = &handler{spec: spec, at: at, fn: fn}
	s.addNames(spec.Name, spec.Version)
}

// HandlerInfo describes a registered handler, for the RPC map and discovery.
type HandlerInfo struct {
	Spec MethodSpec
	// EndpointVersion is the version of the endpoint serving it.
	EndpointVersion string
	// HandlerAt is the handler function's file:line.
	HandlerAt string
}

// Handlers lists every registered handler, sorted by namespace and name.
func (s *Server) Handlers() []HandlerInfo {
	s.mu.Lock()
	eps := make([]*Endpoint, 0, len(s.endpoints))
	for _, ep := range s.endpoints {
		eps = append(eps, ep)
	}
	s.mu.Unlock()
	var out []HandlerInfo
	for _, ep := range eps {
		ep.mu.RLock()
		for _, h := range ep.handlers {
			out = append(out, HandlerInfo{Spec: h.spec, EndpointVersion: ep.version.String(), HandlerAt: h.at})
		}
		ep.mu.RUnlock()
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Spec.Namespace != out[j].Spec.Namespace {
			return out[i].Spec.Namespace < out[j].Spec.Namespace
		}
		return out[i].Spec.Name < out[j].Spec.Name
	})
	return out
}

// Subjects returns the subjects the server listens on: any-server, its own
// and fanout.
func (s *Server) Subjects() (topic, server, fanout string) {
	sub := subjects{s.opts.prefix}
	return sub.topic(s.target.Topic), sub.server(s.target.Topic, s.target.Server), sub.fanout(s.target.Topic)
}

// Start subscribes and begins serving.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("rpc: server already started")
	}
	topicSubj, serverSubj, fanoutSubj := s.Subjects()
	s.fanout = fanoutSubj
	subscribe := []func() (*nats.Subscription, error){
		func() (*nats.Subscription, error) { return s.nc.ChanQueueSubscribe(topicSubj, s.target.Topic, s.queue) },
		func() (*nats.Subscription, error) { return s.nc.ChanSubscribe(serverSubj, s.queue) },
		func() (*nats.Subscription, error) { return s.nc.ChanSubscribe(fanoutSubj, s.queue) },
	}
	for _, sub := range subscribe {
		sub, err := sub()
		if err != nil {
			for _, prev := range s.subs {
				_ = prev.Unsubscribe()
			}
			s.subs = nil
			return fmt.Errorf("rpc: subscribe %s.%s: %w", s.target.Topic, s.target.Server, err)
		}
		s.subs = append(s.subs, sub)
	}
	if err := s.nc.Flush(); err != nil {
		return fmt.Errorf("rpc: confirm subscriptions: %w", err)
	}
	if err := s.startDiscovery(); err != nil {
		for _, sub := range s.subs {
			_ = sub.Unsubscribe()
		}
		s.subs = nil
		return err
	}
	s.watchSlowConsumers()
	if m := s.opts.metrics; m != nil {
		m.poolSize.WithLabelValues(s.target.Topic).Set(float64(s.opts.poolSize))
		m.startServerCounters(s.target.Topic)
	}
	s.pool.mu.Lock()
	s.pool.started, s.pool.listening = 1, 1
	s.pool.mu.Unlock()
	s.startWorker()
	s.started = true
	s.ready.Store(true)
	s.opts.logger.Info("rpc server started", "subjects", []string{topicSubj, serverSubj, fanoutSubj}, "workers", s.opts.poolSize)
	return nil
}

// Ready says whether the server is subscribed and its connection is up.
func (s *Server) Ready() bool { return s.ready.Load() && s.nc.IsConnected() }

// watchSlowConsumers counts slow-consumer events on the server's
// subscriptions, keeping any error handler already set on the connection.
func (s *Server) watchSlowConsumers() {
	prev := s.nc.ErrorHandler()
	mine := map[*nats.Subscription]bool{}
	for _, sub := range s.subs {
		mine[sub] = true
	}
	s.nc.SetErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
		if sub != nil && mine[sub] && errors.Is(err, nats.ErrSlowConsumer) {
			dropped, _ := sub.Dropped()
			s.opts.logger.Warn("slow consumer: NATS dropped requests for this server", "subject", sub.Subject, "dropped_total", dropped)
			if m := s.opts.metrics; m != nil {
				m.slowConsumers.WithLabelValues(s.target.Topic).Inc()
			}
		}
		if prev != nil {
			prev(nc, sub, err)
		}
	})
}

// The worker pool. Workers are started on demand, up to poolSize, and
// only the workers counted in pool.listening wait on the queue. A worker
// that finishes a request takes the next queued one at once while there
// are any; when the queue is empty it waits on it only if no other worker
// does, and otherwise parks in standby.
//
// Why not poolSize workers all waiting on the queue: a message sent to a
// channel that has a waiting receiver goes straight to that receiver, so
// with 64 idle workers every request woke a goroutine of its own, and the
// replies, sent from as many goroutines, went out in about one write
// syscall each (2.2 writes per call against raw NATS' 1.3 in the 16-way
// benchmark). With one listener, a burst of requests is served by a few
// running workers and their replies leave in few writes, as they do from
// a single NATS callback. Up to poolSize handlers still run at once: a
// listener that takes a request, leaving nobody listening, first wakes a
// standby worker or starts a new one, so a handler that blocks never holds
// up the requests behind it while the pool has room.
type workerPool struct {
	mu        sync.Mutex
	listening int             // workers waiting on the queue, or woken to
	started   int             // workers started, at most poolSize
	standby   []chan struct{} // parked workers, each woken by its own channel
}

// startWorker starts a worker that listens on the queue; the caller has
// counted it in listening and started.
func (s *Server) startWorker() {
	s.workers.Add(1)
	go s.work(make(chan struct{}, 1))
}

// work is one worker of the pool: it serves messages until Stop, then
// serves what is left in the queue and exits.
func (s *Server) work(wake chan struct{}) {
	defer s.workers.Done()
	for {
		var m *nats.Msg
		select {
		case m = <-s.queue:
		case <-s.draining:
			s.drain()
			return
		}
		s.tookAsListener()
		s.serveCounted(m)
	busy:
		for {
			select {
			case m = <-s.queue:
				s.serveCounted(m)
			default:
				break busy
			}
		}
		if !s.listenOrStandby(wake) {
			select {
			case <-wake: // a listener took a request: listen in its place
			case <-s.draining:
				s.drain()
				return
			}
		}
	}
}

// drain serves what is left in the queue once Stop has begun.
func (s *Server) drain() {
	for {
		select {
		case m := <-s.queue:
			s.serveCounted(m)
		default:
			return
		}
	}
}

// tookAsListener: a listening worker took a request. If nobody is left
// listening, another worker takes its place, pool size permitting.
func (s *Server) tookAsListener() {
	p := &s.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	p.listening--
	if p.listening > 0 {
		return
	}
	if n := len(p.standby); n > 0 {
		wake := p.standby[n-1] // the most recently parked: its stack is warm
		p.standby = p.standby[:n-1]
		p.listening++
		wake <- struct{}{} // buffered: never blocks
		return
	}
	if p.started < s.opts.poolSize {
		p.started++
		p.listening++
		s.startWorker()
	}
}

// listenOrStandby: a worker found the queue empty. It listens if nobody
// does (true), else it is put in standby (false) and must wait for wake.
func (s *Server) listenOrStandby(wake chan struct{}) bool {
	p := &s.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.listening == 0 {
		p.listening++
		return true
	}
	p.standby = append(p.standby, wake)
	return false
}

func (s *Server) serveCounted(m *nats.Msg) {
	mt := s.opts.metrics
	if mt != nil {
		mt.poolBusy.WithLabelValues(s.target.Topic).Inc()
		defer mt.poolBusy.WithLabelValues(s.target.Topic).Dec()
	}
	callType := CallTypeCast
	switch {
	case m.Subject == s.fanout:
		callType = CallTypeFanout
	case m.Reply != "":
		callType = CallTypeCall
	}
	s.serve(m, callType)
}

// serve runs one request to the end: decode, dispatch, reply.
func (s *Server) serve(m *nats.Msg, callType string) {
	received := time.Now()
	var req Request
	// The headers are for tools: everything the server needs is in the
	// body, which it reads anyway.
	if err := decodeRequest(m.Data, &req, serverDecoding{intern: s.intern, skipMessageID: true}); err != nil {
		if mt := s.opts.metrics; mt != nil {
			mt.malformed.WithLabelValues(s.target.Topic).Inc()
		}
		s.opts.logger.Warn("malformed message", "subject", m.Subject, "bytes", len(m.Data), "error", err,
			"request_id", m.Header.Get(HeaderRequestID))
		s.reply(m, &Reply{Kind: ReplyError, Error: toWire(err)})
		return
	}
	var deadline time.Time
	if req.TimeoutMS > 0 {
		deadline = received.Add(time.Duration(req.TimeoutMS) * time.Millisecond)
	}
	hctx := handlerContext(s.baseCtx, req.Context, req.TraceParent, deadline)
	defer hctx.end()
	var ctx context.Context = hctx
	log := requestLog{base: s.opts.logger, ctx: ctx, method: req.Method, callType: callType}
	inv := s.opts.metrics.begin("server", s.target.Topic, req.Method, callType, req.Namespace, req.Version, s.target.Server)

	if req.MonitorMS > 0 && m.Reply != "" {
		stop := s.heartbeat(m.Reply, time.Duration(req.MonitorMS)*time.Millisecond/2)
		defer stop()
	}
	result, err := s.dispatch(ctx, &req, log)
	elapsed := time.Since(received)
	inv.finish(elapsed.Seconds(), err)
	s.stats.record(req.Method, elapsed, err)
	if err != nil {
		switch {
		case m.Reply == "":
			log.get().Error("cast handler failed", "error", err)
		case errors.Is(err, context.DeadlineExceeded) && errors.Is(hctx.Err(), context.DeadlineExceeded):
			// The handler gave up at its deadline, which is the caller's
			// timeout: the caller reports MessagingTimeout itself, and a
			// reply now would only race that (and lose, or win and turn a
			// timeout into a remote error).
			log.get().Info("call ran out of its caller's time; no reply sent", "error", err)
			return
		default:
			log.get().Info("call returned an error", "error", err)
		}
		s.reply(m, &Reply{Kind: ReplyError, Error: toWire(err)})
		return
	}
	if m.Reply == "" {
		return
	}
	body := getMsgBuf()
	defer body.free()
	if err := body.writeResult(result); err != nil {
		log.get().Error("reply does not encode", "error", err)
		s.reply(m, &Reply{Kind: ReplyError, Error: toWire(&MalformedMessage{Reason: fmt.Sprintf("reply of %s (%T) does not encode: %v", req.Method, result, err)})})
		return
	}
	s.send(m, body.buf.Bytes())
}

// requestLog builds the request's logger only when something is logged:
// most requests log nothing.
type requestLog struct {
	base             *slog.Logger
	ctx              context.Context
	method, callType string
}

func (l requestLog) get() *slog.Logger {
	return Logger(l.ctx, l.base).With("method", l.method, "call_type", l.callType)
}

// intern returns a registered method name, namespace or version for b
// without allocating, or a new string for any other value.
func (s *Server) intern(b []byte) string {
	if known := s.names.Load(); known != nil {
		if v, ok := (*known)[string(b)]; ok {
			return v
		}
	}
	return string(b)
}

// addNames adds to the names intern knows (copy on write: registration is
// rare, look-ups are per message).
func (s *Server) addNames(names ...string) {
	s.namesMu.Lock()
	defer s.namesMu.Unlock()
	next := map[string]string{}
	if old := s.names.Load(); old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	for _, n := range names {
		next[n] = n
	}
	s.names.Store(&next)
}

// dispatch finds the handler as oslo's dispatcher does (namespace, then a
// compatible version, then the method) and runs it, turning a panic into an
// error so the server keeps serving.
func (s *Server) dispatch(ctx context.Context, req *Request, log requestLog) (result any, err error) {
	s.mu.RLock()
	ep, ok := s.endpoints[req.Namespace]
	s.mu.RUnlock()
	if !ok {
		return nil, &NoSuchNamespace{Namespace: req.Namespace}
	}
	v, _ := ParseVersion(req.Version) // checked by DecodeRequest
	if !ep.version.compatible(v) {
		return nil, &UnsupportedVersion{Version: req.Version, Method: req.Method,
			Reason: fmt.Sprintf("endpoint %q implements %s", req.Namespace, ep.version)}
	}
	ep.mu.RLock()
	h, ok := ep.handlers[req.Method]
	ep.mu.RUnlock()
	if !ok {
		return nil, &NoSuchMethod{Method: req.Method}
	}
	defer func() {
		if p := recover(); p != nil {
			log.get().Error("handler panicked", "panic", p, "stack", string(debug.Stack()))
			err = &HandlerPanic{Method: req.Method, Value: fmt.Sprint(p)}
		}
	}()
	return h.fn(ctx, req.Args)
}

// HandlerPanic is what the caller gets when the handler panicked.
type HandlerPanic struct {
	Method string `msgpack:"method"`
	Value  string `msgpack:"value"`
}

func (e *HandlerPanic) Error() string {
	return fmt.Sprintf("handler of %s panicked: %s", e.Method, e.Value)
}

func init() { RegisterError[*HandlerPanic]("HandlerPanic") }

func (s *Server) reply(m *nats.Msg, rep *Reply) {
	if m.Reply == "" {
		return
	}
	s.send(m, encodeReply(rep))
}

// send publishes a reply body, replaced by an error when it is too large
// (nats.go refuses it: the limit is not looked up for every reply).
func (s *Server) send(m *nats.Msg, body []byte) {
	err := s.nc.Publish(m.Reply, body)
	if errors.Is(err, nats.ErrMaxPayload) {
		err = s.nc.Publish(m.Reply, encodeReply(&Reply{Kind: ReplyError, Error: toWire(&MalformedMessage{
			Reason: fmt.Sprintf("reply of %d bytes exceeds the NATS max_payload of %d bytes", len(body), s.nc.MaxPayload())})}))
	}
	if err != nil {
		s.opts.logger.Error("reply not sent", "reply_subject", m.Reply, "error", err, "request_id", m.Header.Get(HeaderRequestID))
	}
}

// heartbeat sends heartbeats to reply every interval until stop is called.
func (s *Server) heartbeat(reply string, interval time.Duration) (stop func()) {
	if interval <= 0 {
		interval = time.Millisecond
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = s.nc.Publish(reply, heartbeatBody)
			}
		}
	}()
	return func() { close(done); <-finished }
}

// Stop stops taking new requests, lets in-flight handlers finish and
// delivers their replies, then returns. When ctx ends first, handlers'
// contexts are cancelled and Stop returns ctx's error.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	if s.stopped || !s.started {
		s.stopped = true
		s.mu.Unlock()
		return nil
	}
	s.stopped = true
	subs := s.subs
	s.mu.Unlock()
	s.ready.Store(false)

	// Unsubscribe, then flush: the server sends everything it routed to us
	// before the PONG, so afterwards every message for this server is in
	// the queue. The workers serve the queue to the end and exit, so no
	// caller that reached this server is left waiting.
	for _, sub := range subs {
		_ = sub.Unsubscribe()
	}
	if s.discovery != nil {
		s.discovery.stop()
	}
	_ = s.nc.FlushTimeout(5 * time.Second)
	close(s.draining)
	allDone := make(chan struct{})
	go func() {
		s.workers.Wait()
		close(allDone)
	}()
	select {
	case <-allDone:
		s.cancel()
		flushCtx := ctx
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			flushCtx, cancel = context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
		}
		if err := s.nc.FlushWithContext(flushCtx); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			return fmt.Errorf("rpc: flush replies on stop: %w", err)
		}
		s.opts.logger.Info("rpc server stopped")
		return nil
	case <-ctx.Done():
		s.cancel()
		return fmt.Errorf("rpc: stop of %s.%s: handlers still running: %w", s.target.Topic, s.target.Server, ctx.Err())
	}
}
