package rpc

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// TestWireDump prints a decoded request and replies for docs/rpc-wire-format.md
// when NOVANATS_WIRE_DUMP=1; otherwise it checks the example decodes.
func TestWireDump(t *testing.T) {
	h := RequestHeader{Envelope: EnvelopeVersion, MessageID: "tq0vB3Mhj4W9HPuGd2YQlb", Method: "check_can_live_migrate_destination",
		Version: "6.0", TimeoutMS: 60000,
		Context: RequestContext{RequestID: "req-2f1e0c8a-9d6b-4a53-8c1e-4d2b7f0a9e11", UserID: "admin", ProjectID: "ops", Roles: []string{"admin"}, IsAdmin: true,
			Timestamp: time.Date(2026, 11, 25, 7, 30, 0, 0, time.UTC)}}
	args := map[string]any{"instance_uuid": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "block_migration": false, "disk_over_commit": false}
	body, err := encodeRequest(&h, args)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := msgpack.Unmarshal(body, &generic); err != nil {
		t.Fatal(err)
	}
	if generic["method"] != h.Method {
		t.Fatalf("generic decode: %v", generic)
	}
	if os.Getenv("NOVANATS_WIRE_DUMP") == "" {
		return
	}
	js, _ := json.MarshalIndent(generic, "", "  ")
	fmt.Printf("request %d bytes\n%s\n%s\n", len(body), hex.Dump(body), js)
	res, _ := encodeResult(map[string]any{"migrate_data": map[string]any{"is_shared_instance_path": true}})
	var g2 map[string]any
	_ = msgpack.Unmarshal(res, &g2)
	js, _ = json.MarshalIndent(g2, "", "  ")
	fmt.Printf("result %d bytes\n%s\n", len(res), js)
	er := encodeReply(&Reply{Kind: ReplyError, Error: toWire(&UnsupportedVersion{Version: "7.0", Method: "live_migration"})})
	var g3 map[string]any
	_ = msgpack.Unmarshal(er, &g3)
	js, _ = json.MarshalIndent(g3, "", "  ")
	fmt.Printf("error %d bytes\n%s\n", len(er), js)
	fmt.Printf("heartbeat %d bytes %x\n", len(heartbeatBody), heartbeatBody)
}
