package rpc

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

// collect sends a request and gathers every reply that arrives within wait
// (discovery on "all services" is a scatter-gather: many answer).
func collect(t *testing.T, nc *nats.Conn, subject string, want int) [][]byte {
	t.Helper()
	inbox := nats.NewInbox()
	ch := make(chan *nats.Msg, 16)
	sub, err := nc.ChanSubscribe(inbox, ch)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest(subject, inbox, nil); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for len(out) < want {
		select {
		case m := <-ch:
			out = append(out, m.Data)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: %d answers, want %d", subject, len(out), want)
		}
	}
	return out
}

func TestMicroDiscoveryProtocol(t *testing.T) {
	s, nc := env(t)
	a := startService(t, rpctest.Connect(t, s), "host-a")
	startService(t, rpctest.Connect(t, s), "host-b")
	c := newTestClient(t, nc)
	for i := 0; i < 3; i++ {
		if _, err := mEcho.Invoke(t.Context(), c.MustPrepare(ToServer("host-a")), echoArgs{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mFail.Invoke(t.Context(), c.MustPrepare(ToServer("host-a")), echoArgs{Text: "quota"}); err == nil {
		t.Fatal("fail succeeded")
	}

	// $SRV.PING: both servers answer with the micro ping type.
	ids := map[string]string{}
	for _, body := range collect(t, nc, "$SRV.PING", 2) {
		var p micro.Ping
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Type != micro.PingResponseType || p.Name != "svc" || p.Version != ServiceVersion {
			t.Fatalf("ping = %+v", p)
		}
		ids[p.Metadata["server"]] = p.ID
	}
	if ids["host-a"] == "" || ids["host-b"] == "" || ids["host-a"] == ids["host-b"] {
		t.Fatalf("instance ids %v", ids)
	}

	// $SRV.INFO.svc.<id>: one instance, its methods as endpoints.
	body := collect(t, nc, "$SRV.INFO.svc."+ids["host-a"], 1)[0]
	var info micro.Info
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatal(err)
	}
	if info.Type != micro.InfoResponseType || info.Metadata["server"] != "host-a" {
		t.Fatalf("info = %+v", info)
	}
	byName := map[string]micro.EndpointInfo{}
	for _, ep := range info.Endpoints {
		byName[ep.Name] = ep
	}
	if len(byName) != len(a.srv.Handlers()) {
		t.Fatalf("info lists %d endpoints, server has %d handlers", len(byName), len(a.srv.Handlers()))
	}
	echo := byName["echo"]
	if echo.Subject != "svc.host-a" || echo.QueueGroup != "svc" || echo.Metadata["call_type"] != "call" || echo.Metadata["version"] != "1.0" {
		t.Fatalf("echo endpoint = %+v", echo)
	}
	if byName["task"].Metadata["namespace"] != "compute_task" {
		t.Fatalf("task endpoint lost its namespace: %+v", byName["task"])
	}

	// $SRV.STATS.svc.<id>: the counters of what was served.
	body = collect(t, nc, "$SRV.STATS.svc."+ids["host-a"], 1)[0]
	var st micro.Stats
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if st.Type != micro.StatsResponseType || st.Started.IsZero() {
		t.Fatalf("stats = %+v", st)
	}
	for _, ep := range st.Endpoints {
		switch ep.Name {
		case "echo":
			if ep.NumRequests != 3 || ep.NumErrors != 0 {
				t.Errorf("echo stats %+v, want 3 requests", ep)
			}
		case "fail":
			if ep.NumRequests != 1 || ep.NumErrors != 1 || ep.LastError == "" {
				t.Errorf("fail stats %+v, want 1 request, 1 error", ep)
			}
		}
	}

	// After Stop, the server no longer answers discovery.
	if err := a.srv.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(collect(t, nc, "$SRV.PING.svc", 1)) != 1 {
		t.Fatal("unexpected")
	}
	if _, err := nc.Request("$SRV.PING.svc."+ids["host-a"], nil, time.Second); err == nil {
		t.Fatal("a stopped server still answers discovery")
	}
}
