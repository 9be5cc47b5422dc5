package rpcmap

import (
	"context"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/rpc"
)

// A miniature service in this file: the map must find its declarations,
// its client stub and its handler.
var (
	mapProbeCall = rpc.DefineCall[string, string]("mapprobe", "", "probe_call", "2.1")
	mapProbeCast = rpc.DefineCast[string]("mapprobe", "ns", "probe_cast", "2.0", false)
)

type probeAPI struct{ c *rpc.Client }

func (a *probeAPI) ProbeCall(ctx context.Context) (string, error) {
	return mapProbeCall.Invoke(ctx, a.c, "x")
}

type probeManager struct{}

func (m *probeManager) probeCall(ctx context.Context, s string) (string, error) { return s, nil }

func (m *probeManager) register(srv *rpc.Server) {
	rpc.HandleCall(srv.Endpoint("", "2.1"), mapProbeCall, m.probeCall)
}

// The probe is read as source, never run; these references keep the
// unused-code checker from flagging it.
var _ = []any{mapProbeCast, (*probeAPI).ProbeCall, (*probeManager).register}

func TestBuildFindsSendersAndHandlers(t *testing.T) {
	rows, err := Build("../../..", rpc.Methods(), true)
	if err != nil {
		t.Fatal(err)
	}
	var call, cast *Row
	for i := range rows {
		switch rows[i].Method {
		case "probe_call":
			call = &rows[i]
		case "probe_cast":
			cast = &rows[i]
		}
	}
	if call == nil || cast == nil {
		t.Fatalf("probe methods missing from %d rows", len(rows))
	}
	if call.Topic != "mapprobe" || call.Version != "2.1" || call.CallType != "call" || call.Descriptor != "rpcmap.mapProbeCall" {
		t.Fatalf("call row = %+v", call)
	}
	if !strings.HasPrefix(call.DefinedAt, "pkg/rpc/rpcmap/rpcmap_test.go:") {
		t.Fatalf("defined at %q", call.DefinedAt)
	}
	if len(call.Senders) != 1 || !strings.HasPrefix(call.Senders[0], "(*probeAPI).ProbeCall pkg/rpc/rpcmap/rpcmap_test.go:") {
		t.Fatalf("senders = %v", call.Senders)
	}
	if len(call.Handlers) != 1 || !strings.HasPrefix(call.Handlers[0], "m.probeCall pkg/rpc/rpcmap/rpcmap_test.go:") {
		t.Fatalf("handlers = %v", call.Handlers)
	}
	if cast.Namespace != "ns" || cast.CallType != "cast" || len(cast.Senders) != 0 || len(cast.Handlers) != 0 {
		t.Fatalf("cast row = %+v", cast)
	}
	md := Markdown(rows)
	if !strings.Contains(md, "## mapprobe") || !strings.Contains(md, "| — | `probe_call` | call | 2.1 |") {
		t.Fatalf("markdown:\n%s", md)
	}
}
