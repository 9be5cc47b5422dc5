package main

import (
	"os"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/rpc/rpcmap"
)

// docs/rpc-map.md is the output of 'novanats rpc map -o markdown'; this
// test fails when the code has changed and the doc has not.
// NOVANATS_UPDATE_DOCS=1 rewrites it.
func TestRPCMapDocIsCurrent(t *testing.T) {
	rows, err := buildRPCMap("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("the RPC map is empty")
	}
	got := rpcmap.Markdown(rows)
	const path = "../../docs/rpc-map.md"
	if os.Getenv("NOVANATS_UPDATE_DOCS") != "" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it: NOVANATS_UPDATE_DOCS=1 go test ./cmd/novanats -run RPCMap)", err)
	}
	if string(want) != got {
		t.Fatalf("docs/rpc-map.md is stale: run 'go run ./cmd/novanats rpc map -o markdown > docs/rpc-map.md' (or NOVANATS_UPDATE_DOCS=1 go test ./cmd/novanats -run RPCMap)")
	}
	for _, method := range []string{"select_destinations", "object_action"} {
		if !strings.Contains(got, "`"+method+"`") {
			t.Errorf("map lacks %s", method)
		}
	}
}
