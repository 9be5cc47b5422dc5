package tap

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

type args struct {
	InstanceUUID string `msgpack:"instance_uuid"`
}

var (
	mCheck = rpc.DefineCall[args, bool]("tapsvc", "", "check_can_live_migrate_source", "6.0")
	mCast  = rpc.DefineCast[args]("tapsvc", "", "live_migration", "6.0", false)
	mFan   = rpc.DefineCast[args]("tapsvc", "", "refresh", "6.0", true)
)

func TestTapSeesCallsCastsRepliesAndErrors(t *testing.T) {
	s := rpctest.StartServer(t)
	nc := rpctest.Connect(t, s)
	srv, err := rpc.NewServer(rpctest.Connect(t, s), rpc.Target{Topic: "tapsvc", Server: "cmp-1"})
	if err != nil {
		t.Fatal(err)
	}
	casts := make(chan struct{}, 2)
	ep := srv.Endpoint("", "6.0")
	rpc.HandleCall(ep, mCheck, func(ctx context.Context, a args) (bool, error) {
		if a.InstanceUUID == "bad" {
			return false, &rpc.NoSuchMethod{Method: "x"}
		}
		return true, nil
	})
	rpc.HandleCast(ep, mCast, func(ctx context.Context, a args) error { casts <- struct{}{}; return nil })
	rpc.HandleCast(ep, mFan, func(ctx context.Context, a args) error { casts <- struct{}{}; return nil })
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })

	events := make(chan Event, 32)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tapConn := rpctest.Connect(t, s)
	started := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		started <- Run(ctx, tapConn, Options{Ready: func() { close(ready) }}, func(ev Event) { events <- ev })
	}()
	select {
	case <-ready:
	case err := <-started:
		t.Fatalf("tap ended before it was ready: %v", err)
	}
	c, _ := rpc.NewClient(nc, rpc.Target{Topic: "tapsvc"}, rpc.Caller("conductor"))
	cc := c.MustPrepare(rpc.ToServer("cmp-1"))
	rc := rpc.RequestContext{RequestID: "req-tap-1", Timestamp: time.Now()}
	cctx := rpc.StartTrace(rpc.WithRequestContext(t.Context(), rc))
	if _, err := mCheck.Invoke(cctx, cc, args{InstanceUUID: "6f1c"}); err != nil {
		t.Fatal(err)
	}
	call := <-events
	if want := rpc.TraceParentFrom(cctx)[3:35]; call.TraceID != want {
		t.Fatalf("call event's trace id %q, want the caller's %q", call.TraceID, want)
	}
	if call.Kind != KindCall || call.Method != "check_can_live_migrate_source" || call.Subject != "tapsvc.cmp-1" ||
		call.RequestID != "req-tap-1" || call.Caller != "conductor" || call.Version != "6.0" || !strings.Contains(call.Args, "instance_uuid=6f1c") {
		t.Fatalf("call event = %+v", call)
	}
	reply := <-events
	if reply.Kind != KindReply || reply.Method != call.Method || reply.InReplyTo != "tapsvc.cmp-1" || reply.Latency <= 0 || reply.Args != "true" {
		t.Fatalf("reply event = %+v", reply)
	}

	if _, err := mCheck.Invoke(cctx, cc, args{InstanceUUID: "bad"}); err == nil {
		t.Fatal("expected an error")
	}
	if ev := <-events; ev.Kind != KindCall {
		t.Fatalf("want the failing call, got %+v", ev)
	}
	if ev := <-events; ev.Kind != KindError || !strings.Contains(ev.Error, "NoSuchMethod") {
		t.Fatalf("error event = %+v", ev)
	}

	if err := mCast.Cast(cctx, cc, args{InstanceUUID: "c"}); err != nil {
		t.Fatal(err)
	}
	if ev := <-events; ev.Kind != KindCast || ev.Method != "live_migration" || ev.Reply != "" {
		t.Fatalf("cast event = %+v", ev)
	}
	if err := mFan.Cast(cctx, c, args{}); err != nil {
		t.Fatal(err)
	}
	if ev := <-events; ev.Kind != KindFanout || ev.Subject != "tapsvc_fanout" {
		t.Fatalf("fanout event = %+v", ev)
	}
	// The tap's own subscription is interest in every subject, so NATS
	// cannot say "no responders" while it runs: the call times out (see
	// the package doc), and the tap shows it unanswered.
	_, err = mCheck.Invoke(cctx, c.MustPrepare(rpc.ToServer("nobody"), rpc.Timeout(200*time.Millisecond)), args{})
	if !errors.Is(err, rpc.ErrTimeout) {
		t.Fatalf("call to nobody while tapped: %v", err)
	}
	if ev := <-events; ev.Kind != KindCall || ev.Subject != "tapsvc.nobody" {
		t.Fatalf("want the unanswered call, got %+v", ev)
	}
	select {
	case ev := <-events:
		t.Fatalf("unexpected event after an unanswered call: %+v", ev)
	default:
	}
	line := Format(call)
	for _, want := range []string{"call", "tapsvc.cmp-1", "check_can_live_migrate_source", "v6.0", "req-tap-1", "from conductor"} {
		if !strings.Contains(line, want) {
			t.Errorf("formatted line %q lacks %q", line, want)
		}
	}
	cancel()
	if err := <-started; err != nil {
		t.Fatal(err)
	}
}

func TestRenderVersionedObjectsCompactly(t *testing.T) {
	v := map[string]any{"instance": map[string]any{
		"nova_object.name": "Instance", "nova_object.version": "1.2",
		"nova_object.data": map[string]any{"uuid": "u-1", "host": "cmp-1", "vm_state": "active"},
	}, "block_migration": false}
	got := render(v)
	want := "block_migration=false instance=Instance(uuid=u-1 host=cmp-1 vm_state=active)"
	if got != want {
		t.Fatalf("render = %q, want %q", got, want)
	}
}

// With a request id (or trace id) the tap shows only that request's
// messages, its calls' replies included.
func TestTapFiltersByRequestAndTrace(t *testing.T) {
	s := rpctest.StartServer(t)
	nc := rpctest.Connect(t, s)
	srv, err := rpc.NewServer(rpctest.Connect(t, s), rpc.Target{Topic: "tapsvc", Server: "cmp-1"})
	if err != nil {
		t.Fatal(err)
	}
	rpc.HandleCall(srv.Endpoint("", "6.0"), mCheck, func(ctx context.Context, a args) (bool, error) { return true, nil })
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	c, _ := rpc.NewClient(nc, rpc.Target{Topic: "tapsvc"})
	cc := c.MustPrepare(rpc.ToServer("cmp-1"))
	mine := rpc.StartTrace(rpc.WithRequestContext(t.Context(), rpc.RequestContext{RequestID: "req-mine", Timestamp: time.Now()}))
	other := rpc.StartTrace(rpc.WithRequestContext(t.Context(), rpc.RequestContext{RequestID: "req-other", Timestamp: time.Now()}))
	traceOfMine := rpc.TraceParentFrom(mine)[3:35]

	for name, opts := range map[string]Options{
		"request id": {RequestID: "req-mine"},
		"trace id":   {TraceID: traceOfMine},
	} {
		t.Run(name, func(t *testing.T) {
			events := make(chan Event, 16)
			ctx, cancel := context.WithCancel(t.Context())
			ready, ended := make(chan struct{}), make(chan error, 1)
			opts.Ready = func() { close(ready) }
			go func() { ended <- Run(ctx, rpctest.Connect(t, s), opts, func(ev Event) { events <- ev }) }()
			<-ready
			// other's call before and after mine: only mine's call and
			// reply come through, in order.
			for _, ctx := range []context.Context{other, mine, other} {
				if _, err := mCheck.Invoke(ctx, cc, args{InstanceUUID: "u"}); err != nil {
					t.Fatal(err)
				}
			}
			call, reply := <-events, <-events
			if call.Kind != KindCall || call.RequestID != "req-mine" || reply.Kind != KindReply || reply.RequestID != "req-mine" || reply.TraceID != traceOfMine {
				t.Fatalf("filtered events: %+v then %+v", call, reply)
			}
			cancel()
			if err := <-ended; err != nil {
				t.Fatal(err)
			}
			select {
			case ev := <-events:
				t.Fatalf("another request's message came through: %+v", ev)
			default:
			}
		})
	}
}
