package rpc

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

func TestCallReachesAServerAndReplies(t *testing.T) {
	_, nc := env(t)
	startService(t, nc, "host-a")
	c := newTestClient(t, nc)
	rep, err := mEcho.Invoke(t.Context(), c, echoArgs{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Text != "hello" || rep.Server != "host-a" {
		t.Fatalf("reply = %+v", rep)
	}
}

func TestTopicServerAndFanoutRouting(t *testing.T) {
	s, nc := env(t)
	names := []string{"host-a", "host-b.example.org", "host-c"}
	var svcs []*testService
	for _, n := range names {
		// each server on its own connection, like separate processes
		svcs = append(svcs, startService(t, rpctest.Connect(t, s), n))
	}
	c := newTestClient(t, nc)

	// <topic>: the queue group shares the calls.
	const calls = 90
	for i := 0; i < calls; i++ {
		if _, err := mEcho.Invoke(t.Context(), c, echoArgs{Text: "any"}); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for _, ts := range svcs {
		if ts.callCount() == 0 {
			t.Errorf("server %s got none of %d calls to the topic", ts.name, calls)
		}
		total += ts.callCount()
	}
	if total != calls {
		t.Fatalf("calls served = %d, want %d (each exactly once)", total, calls)
	}

	// <topic>.<server>: exactly that server, dots in the name included.
	before := map[string]int{}
	for _, ts := range svcs {
		before[ts.name] = ts.callCount()
	}
	direct := c.MustPrepare(ToServer("host-b.example.org"))
	for i := 0; i < 10; i++ {
		rep, err := mEcho.Invoke(t.Context(), direct, echoArgs{Text: "direct"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Server != "host-b.example.org" {
			t.Fatalf("direct call served by %s", rep.Server)
		}
	}
	for _, ts := range svcs {
		want := before[ts.name]
		if ts.name == "host-b.example.org" {
			want += 10
		}
		if ts.callCount() != want {
			t.Errorf("%s served %d calls, want %d", ts.name, ts.callCount(), want)
		}
	}

	// fanout: every server receives the cast.
	if err := mRefresh.Cast(t.Context(), c, echoArgs{Text: "all", N: 7}); err != nil {
		t.Fatal(err)
	}
	for _, ts := range svcs {
		select {
		case a := <-ts.casts:
			if a.N != 7 {
				t.Errorf("%s got %+v", ts.name, a)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("server %s did not receive the fanout cast", ts.name)
		}
	}

	// plain cast to one server: only that one.
	if err := mNotify.Cast(t.Context(), c.MustPrepare(ToServer("host-c")), echoArgs{N: 9}); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-svcs[2].casts:
		if a.N != 9 {
			t.Fatalf("got %+v", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cast not received")
	}
	// A round trip to each other server proves the cast did not reach them.
	for _, ts := range svcs[:2] {
		if _, err := mEcho.Invoke(t.Context(), c.MustPrepare(ToServer(ts.name)), echoArgs{}); err != nil {
			t.Fatal(err)
		}
		if len(ts.casts) != 0 {
			t.Errorf("server %s received a cast meant for host-c", ts.name)
		}
	}
}

func TestNamespaceEndpoint(t *testing.T) {
	_, nc := env(t)
	startService(t, nc, "host-a")
	c := newTestClient(t, nc)
	rep, err := mTask.Invoke(t.Context(), c, echoArgs{Text: "x"})
	if err != nil || rep.Text != "task:x" {
		t.Fatalf("rep=%+v err=%v", rep, err)
	}
	err = c.MustPrepare(Namespace("baremetal")).Call(t.Context(), "echo", echoArgs{}, nil)
	var ns *NoSuchNamespace
	if !errors.As(err, &ns) || ns.Namespace != "baremetal" || !strings.Contains(err.Error(), `"baremetal"`) {
		t.Fatalf("want NoSuchNamespace naming baremetal, got %v", err)
	}
}

func TestNoRespondersFailsFast(t *testing.T) {
	_, nc := env(t)
	c := newTestClient(t, nc, Timeout(30*time.Second))
	start := time.Now()
	_, err := mEcho.Invoke(t.Context(), c.MustPrepare(ToServer("ghost")), echoArgs{})
	elapsed := time.Since(start)
	var nr *NoResponders
	if !errors.As(err, &nr) || !errors.Is(err, ErrNoResponders) {
		t.Fatalf("want NoResponders, got %v", err)
	}
	if nr.Subject != "svc.ghost" || nr.Method != "echo" || !strings.Contains(err.Error(), "svc.ghost") {
		t.Fatalf("error does not name subject and method: %v", err)
	}
	if elapsed > time.Second {
		t.Fatalf("no-responders took %s, want well under a second", elapsed)
	}
}

func TestTimeoutNamesMethodSubjectAndElapsed(t *testing.T) {
	_, nc := env(t)
	ts := startService(t, nc, "host-a")
	defer close(ts.gate)
	c := newTestClient(t, nc, Timeout(150*time.Millisecond))
	_, err := mBlock.Invoke(t.Context(), c.MustPrepare(ToServer("host-a")), echoArgs{})
	var to *MessagingTimeout
	if !errors.As(err, &to) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("want MessagingTimeout, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"block", "svc.host-a", "after"} {
		if !strings.Contains(msg, want) {
			t.Errorf("timeout error %q lacks %q", msg, want)
		}
	}
	if to.Elapsed < 150*time.Millisecond {
		t.Errorf("elapsed %s is less than the timeout", to.Elapsed)
	}
}

// A handler that gives up at its deadline (the caller's timeout) sends no
// reply: the caller reports its own MessagingTimeout, which a late remote
// "context deadline exceeded" would otherwise race.
func TestNoReplyOnceTheCallersTimeIsUp(t *testing.T) {
	_, nc := env(t)
	ts := startService(t, nc, "host-a")
	defer close(ts.gate)
	body, err := encodeRequest(&RequestHeader{Envelope: EnvelopeVersion, Method: mBlock.Spec.Name, Version: "1.0", TimeoutMS: 50,
		Context: NewRequestContext()}, echoArgs{})
	if err != nil {
		t.Fatal(err)
	}
	// A raw request that waits well past the 50 ms the envelope gives.
	_, err = nc.Request("svc.host-a", body, time.Second)
	if !errors.Is(err, nats.ErrTimeout) {
		t.Fatalf("want no reply once the caller's time is up, got %v", err)
	}
	if ctx := <-ts.seen; ctx.Err() == nil {
		t.Fatal("the handler's context did not end at the caller's deadline")
	}
}

func TestContextDeadlineWinsOverTimeout(t *testing.T) {
	_, nc := env(t)
	ts := startService(t, nc, "host-a")
	defer close(ts.gate)
	c := newTestClient(t, nc, Timeout(time.Minute))
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := mBlock.Invoke(ctx, c, echoArgs{})
	if err == nil || time.Since(start) > 10*time.Second {
		t.Fatalf("err=%v after %s", err, time.Since(start))
	}
	// The handler saw the caller's deadline.
	hctx := <-ts.seen
	if _, ok := hctx.Deadline(); !ok {
		t.Fatal("handler context has no deadline")
	}
}

func TestHandlerContextCarriesRequestContext(t *testing.T) {
	_, nc := env(t)
	ts := startService(t, nc, "host-a")
	c := newTestClient(t, nc)
	rc := RequestContext{RequestID: "req-1234", GlobalRequestID: "req-global", UserID: "u", ProjectID: "p", Roles: []string{"admin"}, IsAdmin: true, Timestamp: time.Now().UTC().Truncate(time.Millisecond)}
	if _, err := mEcho.Invoke(WithRequestContext(t.Context(), rc), c, echoArgs{}); err != nil {
		t.Fatal(err)
	}
	got, ok := RequestContextFrom(<-ts.seen)
	if !ok {
		t.Fatal("handler has no request context")
	}
	if got.RequestID != rc.RequestID || got.GlobalRequestID != rc.GlobalRequestID || got.UserID != "u" ||
		got.ProjectID != "p" || len(got.Roles) != 1 || !got.IsAdmin || !got.Timestamp.Equal(rc.Timestamp) {
		t.Fatalf("request context changed on the wire: %+v vs %+v", got, rc)
	}
	// Without one, a fresh "req-<uuid>" is made.
	if _, err := mEcho.Invoke(t.Context(), c, echoArgs{}); err != nil {
		t.Fatal(err)
	}
	got, _ = RequestContextFrom(<-ts.seen)
	if !strings.HasPrefix(got.RequestID, "req-") || len(got.RequestID) != 40 {
		t.Fatalf("generated request id %q is not req-<uuid>", got.RequestID)
	}
}

// A message carries a traceparent only when its sender is in a trace, and
// then one continuing that trace; the handler's context carries it on.
func TestTraceParentTravelsOnlyInATrace(t *testing.T) {
	_, nc := env(t)
	ts := startService(t, nc, "host-a")
	c := newTestClient(t, nc)
	wire, err := nc.SubscribeSync("svc") // a copy of each message to the topic
	if err != nil {
		t.Fatal(err)
	}
	// send returns the message's headers, the traceparent its envelope
	// carries, and the one the handler's context has.
	send := func(ctx context.Context) (nats.Header, string, string) {
		t.Helper()
		if _, err := mEcho.Invoke(ctx, c, echoArgs{}); err != nil {
			t.Fatal(err)
		}
		m, err := wire.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		req, err := DecodeRequest(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		return m.Header, req.TraceParent, TraceParentFrom(<-ts.seen)
	}

	hdr, body, seen := send(t.Context())
	if hdr.Get(HeaderRequestID) == "" {
		t.Fatal("no request id header")
	}
	if _, ok := hdr[HeaderTraceParent]; ok || body != "" || seen != "" {
		t.Fatalf("outside a trace a message carried traceparent %q, %q in its envelope (handler saw %q)", hdr.Get(HeaderTraceParent), body, seen)
	}

	traced := StartTrace(t.Context())
	root := TraceParentFrom(traced)
	if StartTrace(traced) != traced {
		t.Fatal("StartTrace started a second trace inside one")
	}
	hdr, body, seen = send(traced)
	tp := hdr.Get(HeaderTraceParent)
	if body != tp {
		t.Fatalf("envelope traceparent %q, header %q", body, tp)
	}
	if len(tp) != 55 || tp[3:35] != root[3:35] || tp[36:52] == root[36:52] {
		t.Fatalf("traceparent %q does not continue trace %q with a new span", tp, root)
	}
	if seen != tp {
		t.Fatalf("handler's context has traceparent %q, the message %q", seen, tp)
	}
}

func TestVersionCapRefusesLocally(t *testing.T) {
	_, nc := env(t) // no server at all: a message sent would give NoResponders
	c := newTestClient(t, nc, VersionCap("1.0"))
	if !c.CanSendVersion("1.0") || c.CanSendVersion("1.1") || c.CanSendVersion("2.0") {
		t.Fatal("CanSendVersion disagrees with the cap 1.0")
	}
	_, err := mEcho11.Invoke(t.Context(), c, echoArgs{})
	var uv *UnsupportedVersion
	if !errors.As(err, &uv) || uv.Version != "1.1" || !strings.Contains(err.Error(), "version cap 1.0") {
		t.Fatalf("want a local UnsupportedVersion naming the cap, got %v", err)
	}
	if _, err := mEcho.Invoke(t.Context(), c, echoArgs{}); !errors.Is(err, ErrNoResponders) {
		t.Fatalf("a 1.0 method is allowed by the cap and should reach NATS, got %v", err)
	}
}

func TestServerVersionChecks(t *testing.T) {
	_, nc := env(t)
	startService(t, nc, "host-a") // endpoint "" at 1.1
	c := newTestClient(t, nc)
	if rep, err := mEcho11.Invoke(t.Context(), c, echoArgs{Text: "v"}); err != nil || rep.Text != "v/1.1" {
		t.Fatalf("1.1 on a 1.1 endpoint: %+v %v", rep, err)
	}
	for _, v := range []string{"1.2", "2.0", "0.9"} {
		err := c.MustPrepare(Version(v)).Call(t.Context(), "echo", echoArgs{}, nil)
		var uv *UnsupportedVersion
		if !errors.As(err, &uv) || uv.Version != v {
			t.Errorf("version %s: want UnsupportedVersion, got %v", v, err)
		}
	}
	err := c.Call(t.Context(), "no_such_thing", echoArgs{}, nil)
	var nsm *NoSuchMethod
	if !errors.As(err, &nsm) || nsm.Method != "no_such_thing" {
		t.Fatalf("want NoSuchMethod, got %v", err)
	}
}

func TestTypedRemoteErrors(t *testing.T) {
	_, nc := env(t)
	startService(t, nc, "host-a")
	c := newTestClient(t, nc)

	_, err := mFail.Invoke(t.Context(), c, echoArgs{Text: "notfound", N: 42})
	var nf *notFound
	if !errors.As(err, &nf) || nf.InstanceID != "uuid-42" {
		t.Fatalf("errors.As(*notFound) across the wire failed: %v", err)
	}
	var re *RemoteError
	if !errors.As(err, &re) || re.Type != "InstanceNotFound" || !strings.Contains(re.Message, "looking up the instance") {
		t.Fatalf("remote error lost type or wrapped message: %+v", re)
	}

	_, err = mFail.Invoke(t.Context(), c, echoArgs{Text: "quota"})
	if !errors.Is(err, errQuota) {
		t.Fatalf("errors.Is(sentinel) across the wire failed: %v", err)
	}

	_, err = mFail.Invoke(t.Context(), c, echoArgs{Text: "other"})
	if !errors.As(err, &re) || re.Unwrap() != nil || !strings.Contains(err.Error(), "something unregistered") {
		t.Fatalf("unregistered error should arrive as a plain RemoteError: %v", err)
	}
}

func TestHandlerPanicIsReportedAndServerKeepsServing(t *testing.T) {
	_, nc := env(t)
	startService(t, nc, "host-a")
	c := newTestClient(t, nc)
	_, err := mPanic.Invoke(t.Context(), c, echoArgs{})
	var hp *HandlerPanic
	if !errors.As(err, &hp) || hp.Method != "explode" || !strings.Contains(hp.Value, "index out of range") {
		t.Fatalf("want HandlerPanic, got %v", err)
	}
	if _, err := mEcho.Invoke(t.Context(), c, echoArgs{}); err != nil {
		t.Fatalf("server stopped serving after a panic: %v", err)
	}
}

func TestCallMonitorKeepsLongCallAlive(t *testing.T) {
	_, nc := env(t)
	ts := startService(t, nc, "host-a")
	// Heartbeats go every half monitor timeout; 1 s leaves a loaded CI
	// machine (-race, other packages' servers) half a second of slack.
	c := newTestClient(t, nc, Timeout(30*time.Second), CallMonitorTimeout(time.Second))
	done := make(chan error, 1)
	go func() {
		_, err := mBlock.Invoke(t.Context(), c, echoArgs{Text: "long"})
		done <- err
	}()
	<-ts.seen // the handler is running
	// The handler runs for 3 monitor timeouts; only heartbeats keep the call alive.
	time.AfterFunc(3*time.Second, func() { close(ts.gate) })
	if err := <-done; err != nil {
		t.Fatalf("call with heartbeats failed: %v", err)
	}
}

func TestCallMonitorFailsWhenHeartbeatsStop(t *testing.T) {
	s, nc := env(t)
	serverConn := rpctest.Connect(t, s)
	ts := startService(t, serverConn, "host-a")
	defer close(ts.gate)
	c := newTestClient(t, nc, Timeout(30*time.Second), CallMonitorTimeout(300*time.Millisecond))
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := mBlock.Invoke(t.Context(), c, echoArgs{})
		done <- err
	}()
	<-ts.seen
	serverConn.Close() // the server dies mid-call: no more heartbeats
	err := <-done
	var ht *HeartbeatTimeout
	if !errors.As(err, &ht) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("want HeartbeatTimeout, got %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("dead server noticed after %s, want about the monitor timeout", time.Since(start))
	}
	if !strings.Contains(err.Error(), "block") || !strings.Contains(err.Error(), "heartbeat") {
		t.Fatalf("error does not explain itself: %v", err)
	}
}

func TestMalformedMessagesGetClearErrorsAndServerSurvives(t *testing.T) {
	_, nc := env(t)
	startService(t, nc, "host-a")
	c := newTestClient(t, nc)
	valid, err := encodeRequest(&RequestHeader{Envelope: EnvelopeVersion, Method: "echo", Version: "1.0", Context: NewRequestContext()}, echoArgs{Text: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	wrongVersion, _ := encodeRequest(&RequestHeader{Envelope: 99, Method: "echo", Version: "1.0"}, echoArgs{})
	badArgs, _ := encodeRequest(&RequestHeader{Envelope: EnvelopeVersion, Method: "echo", Version: "1.0"}, map[string]any{"text": []int{1, 2}})
	cases := []struct {
		name, want string
		body       []byte
	}{
		{"garbage", "not a msgpack envelope", []byte("\xc1\xff garbage \x00")},
		{"truncated", "not a msgpack envelope", valid[:len(valid)/2]},
		{"wrong envelope version", "envelope version 99", wrongVersion},
		{"args of the wrong type", "args of echo do not decode", badArgs},
		{"empty", "not a msgpack envelope", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := nc.Request("svc.host-a", tc.body, 5*time.Second)
			if err != nil {
				t.Fatalf("no reply to a malformed request: %v", err)
			}
			rep, err := DecodeReply(m.Data)
			if err != nil || rep.Kind != ReplyError {
				t.Fatalf("reply %+v err %v", rep, err)
			}
			if rep.Error.Type != "MalformedMessage" || !strings.Contains(rep.Error.Message, tc.want) {
				t.Fatalf("error %+v does not say %q", rep.Error, tc.want)
			}
			// a cast of the same bytes (no reply subject) must not hurt either
			if err := nc.Publish("svc.host-a", tc.body); err != nil {
				t.Fatal(err)
			}
			if _, err := mEcho.Invoke(t.Context(), c, echoArgs{}); err != nil {
				t.Fatalf("server stopped serving: %v", err)
			}
		})
	}
}

func TestOversizedArgs(t *testing.T) {
	_, nc := env(t, rpctest.WithMaxPayload(4096))
	startService(t, nc, "host-a")
	c := newTestClient(t, nc)
	_, err := mEcho.Invoke(t.Context(), c, echoArgs{Text: strings.Repeat("x", 8192)})
	if err == nil || !strings.Contains(err.Error(), "max_payload") || !strings.Contains(err.Error(), "echo") {
		t.Fatalf("want a clear max_payload error naming the method, got %v", err)
	}
	if _, err := mEcho.Invoke(t.Context(), c, echoArgs{Text: "small"}); err != nil {
		t.Fatalf("server not serving after an oversized request: %v", err)
	}
}

func TestInvalidNamesAreRefused(t *testing.T) {
	_, nc := env(t)
	for _, name := range []string{"", "has space", "star*", "gt>", "a..b", ".lead", "trail.", "tab\there"} {
		if _, err := NewServer(nc, Target{Topic: "svc", Server: name}); err == nil {
			t.Errorf("server name %q accepted", name)
		} else if !strings.Contains(err.Error(), "server name") {
			t.Errorf("error for %q does not say what was wrong: %v", name, err)
		}
		if _, err := newTestClient(t, nc).Prepare(ToServer(name)); err == nil {
			t.Errorf("client accepted server name %q", name)
		}
	}
	if _, err := NewServer(nc, Target{Topic: "svc", Server: "compute-1.rack2.example.org"}); err != nil {
		t.Errorf("FQDN refused: %v", err)
	}
	if _, err := NewClient(nc, Target{Topic: "bad topic"}); err == nil {
		t.Error("topic with a space accepted")
	}
}

func TestSubjectPrefixSeparatesCells(t *testing.T) {
	_, nc := env(t)
	startService(t, nc, "host-a", ServerSubjectPrefix("cell1."))
	if _, err := mEcho.Invoke(t.Context(), newTestClient(t, nc), echoArgs{}); !errors.Is(err, ErrNoResponders) {
		t.Fatalf("a client without the prefix reached cell1: %v", err)
	}
	rep, err := mEcho.Invoke(t.Context(), newTestClient(t, nc, SubjectPrefix("cell1.")), echoArgs{Text: "c1"})
	if err != nil || rep.Text != "c1" {
		t.Fatalf("prefixed call: %+v %v", rep, err)
	}
	if _, err := NewClient(nc, Target{Topic: "svc"}, SubjectPrefix("cell1")); err == nil {
		t.Fatal("prefix without a trailing dot accepted")
	}
}

func TestThousandConcurrentCalls(t *testing.T) {
	s, nc := env(t)
	for _, n := range []string{"a", "b"} {
		startService(t, rpctest.Connect(t, s), n)
	}
	c := newTestClient(t, nc)
	const n = 1000
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rep, err := mEcho.Invoke(t.Context(), c, echoArgs{N: i, Text: "c"})
			if err != nil || rep.Text != "c" {
				failed.Add(1)
			}
		}(i)
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d concurrent calls failed", failed.Load(), n)
	}
}

func TestWorkerPoolBoundsConcurrency(t *testing.T) {
	_, nc := env(t)
	ts := startService(t, nc, "host-a", WorkerPool(2))
	c := newTestClient(t, nc)
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = mBlock.Invoke(t.Context(), c, echoArgs{}) }()
	}
	<-ts.seen
	<-ts.seen
	// Two handlers run; the pool is full. A third cannot start until a gate
	// opens: prove it by a call on another method that must also wait.
	quick := make(chan error, 1)
	go func() { _, err := mEcho.Invoke(t.Context(), c, echoArgs{}); quick <- err }()
	select {
	case <-quick:
		t.Fatal("a third handler ran while the pool of 2 was busy")
	case <-time.After(200 * time.Millisecond):
	}
	close(ts.gate)
	if err := <-quick; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}

// Workers are started on demand: a pool fills up to its size with handlers
// that block, each request served at once while there is room, and the
// same workers serve the next round once they are free.
func TestWorkerPoolGrowsToItsSize(t *testing.T) {
	_, nc := env(t)
	const size = 12
	ts := startService(t, nc, "host-a", WorkerPool(size))
	c := newTestClient(t, nc)
	for round := 0; round < 2; round++ {
		gate := make(chan struct{})
		ts.mu.Lock()
		ts.gate = gate
		ts.mu.Unlock()
		var wg sync.WaitGroup
		for i := 0; i < size; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := mBlock.Invoke(t.Context(), c, echoArgs{}); err != nil {
					t.Error(err)
				}
			}()
		}
		for i := 0; i < size; i++ {
			select {
			case <-ts.seen: // all handlers run at once: none waits for another
			case <-time.After(10 * time.Second):
				t.Fatalf("round %d: only %d of %d blocking handlers started in a pool of %d", round, i, size, size)
			}
		}
		close(gate)
		wg.Wait()
	}
}

func TestGracefulStopDeliversInFlightReplies(t *testing.T) {
	_, nc := env(t)
	ts := startService(t, nc, "host-a")
	c := newTestClient(t, nc)
	const n = 20
	results := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := mBlock.Invoke(t.Context(), c, echoArgs{Text: "inflight"})
			results <- err
		}()
	}
	for i := 0; i < n; i++ {
		<-ts.seen // all 20 handlers are running
	}
	stopped := make(chan error, 1)
	go func() { stopped <- ts.srv.Stop(context.Background()) }()
	// New requests are refused as soon as the subscriptions are drained.
	waitFor(t, func() bool { return !ts.srv.Ready() })
	close(ts.gate)
	for i := 0; i < n; i++ {
		if err := <-results; err != nil {
			t.Fatalf("in-flight call lost during stop: %v", err)
		}
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if _, err := mEcho.Invoke(t.Context(), c, echoArgs{}); !errors.Is(err, ErrNoResponders) {
		t.Fatalf("stopped server still answers: %v", err)
	}
}

func TestStopBoundedByContext(t *testing.T) {
	_, nc := env(t)
	ts := startService(t, nc, "host-a")
	c := newTestClient(t, nc)
	go func() { _, _ = mBlock.Invoke(t.Context(), c, echoArgs{}) }()
	<-ts.seen
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := ts.srv.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stop with a stuck handler: %v", err)
	}
}

func TestHandlersListsRegisteredMethods(t *testing.T) {
	_, nc := env(t)
	ts := startService(t, nc, "host-a")
	var names []string
	for _, h := range ts.srv.Handlers() {
		names = append(names, h.Spec.Namespace+"/"+h.Spec.Name)
		if !strings.Contains(h.HandlerAt, "helpers_test.go:") {
			t.Errorf("handler location of %s = %q", h.Spec.Name, h.HandlerAt)
		}
	}
	want := "/block /echo /echo_v11 /explode /fail /notify /refresh compute_task/task"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("handlers = %q, want %q", got, want)
	}
}

func TestMethodOfOtherTopicRefused(t *testing.T) {
	_, nc := env(t)
	other, _ := NewClient(nc, Target{Topic: "other"})
	if _, err := mEcho.Invoke(t.Context(), other, echoArgs{}); err == nil || !strings.Contains(err.Error(), `topic "svc"`) {
		t.Fatalf("method of topic svc sent through a client of topic other: %v", err)
	}
}

// waitFor polls a condition that has no event to await (server state).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var _ = nats.ErrTimeout

func TestCallFailsWhenItsConnectionCloses(t *testing.T) {
	s, _ := env(t)
	ts := startService(t, rpctest.Connect(t, s), "host-a")
	defer close(ts.gate)
	nc := rpctest.Connect(t, s)
	c := newTestClient(t, nc, Timeout(time.Minute))
	done := make(chan error, 1)
	go func() { _, err := mBlock.Invoke(t.Context(), c, echoArgs{}); done <- err }()
	<-ts.seen
	start := time.Now()
	nc.Close()
	err := <-done
	if !errors.Is(err, nats.ErrConnectionClosed) || time.Since(start) > 10*time.Second {
		t.Fatalf("call on a closed connection: %v after %s", err, time.Since(start))
	}
}

type echoHandler struct{}

func (echoHandler) echo(_ context.Context, a echoArgs) (echoReply, error) {
	return echoReply{Text: a.Text}, nil
}

// A method value is a compiler-generated wrapper whose own position is
// <autogenerated>:1; discovery must still lead to the handler.
func TestHandlerLocationOfAMethodValue(t *testing.T) {
	_, nc := env(t)
	srv, err := NewServer(nc, Target{Topic: "svc", Server: "host-m"})
	if err != nil {
		t.Fatal(err)
	}
	var h echoHandler
	HandleCall(srv.Endpoint("", "1.0"), mEcho, h.echo)
	got := srv.Handlers()
	if len(got) != 1 {
		t.Fatalf("handlers = %v", got)
	}
	at := got[0].HandlerAt
	if strings.Contains(at, "autogenerated") || !strings.Contains(at, "rpc_test.go:") || !strings.Contains(at, "echoHandler.echo") {
		t.Fatalf("handler location = %q, want the registering line in rpc_test.go and the method's name", at)
	}
}
