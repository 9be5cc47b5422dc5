package rpc

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

var (
	mInflate = DefineCall[echoArgs, echoReply]("payload", "", "inflate", "1.0")
	mDrop    = DefineCast[echoArgs]("payload", "", "drop", "1.0", false)
)

// Messages over the NATS max_payload are refused with errors that say so,
// on either side, and the server keeps serving.
func TestOversizedReplyAndCast(t *testing.T) {
	_, nc := env(t, rpctest.WithMaxPayload(4096))
	srv, err := NewServer(nc, Target{Topic: "payload", Server: "h"}, ServerLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	ep := srv.Endpoint("", "1.0")
	HandleCall(ep, mInflate, func(ctx context.Context, a echoArgs) (echoReply, error) {
		return echoReply{Text: strings.Repeat(a.Text, a.N)}, nil
	})
	HandleCast(ep, mDrop, func(ctx context.Context, a echoArgs) error { return nil })
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	c, err := NewClient(nc, Target{Topic: "payload"})
	if err != nil {
		t.Fatal(err)
	}

	_, err = mInflate.Invoke(t.Context(), c, echoArgs{Text: "x", N: 8192})
	var mm *MalformedMessage
	if !errors.As(err, &mm) || !strings.Contains(err.Error(), "max_payload") {
		t.Fatalf("oversized reply: want a MalformedMessage naming max_payload, got %v", err)
	}
	err = mDrop.Cast(t.Context(), c, echoArgs{Text: strings.Repeat("x", 8192)})
	if err == nil || !strings.Contains(err.Error(), "max_payload") || !strings.Contains(err.Error(), "drop") {
		t.Fatalf("oversized cast: want a max_payload error naming the method, got %v", err)
	}
	if rep, err := mInflate.Invoke(t.Context(), c, echoArgs{Text: "ab", N: 2}); err != nil || rep.Text != "abab" {
		t.Fatalf("server not serving after oversized messages: %+v %v", rep, err)
	}
}
