package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestHostList(t *testing.T) {
	cloud, insts := startCloud(t, "h-1")
	url := cloud.NATSURL()
	out, code := run(t, "host", "list", "--nats-url", url, "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	var rows []hostRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(rows) != 3 {
		t.Fatalf("want 3 hosts: %+v", rows)
	}
	total := 0
	for _, r := range rows {
		if !strings.HasPrefix(r.Host, "compute-") || !r.Up || r.Disabled || r.VCPUs == 0 || r.MemoryMB == 0 {
			t.Errorf("host row: %+v", r)
		}
		total += r.Instances
		if r.Host == insts[0].Host.Get() && r.Instances != 1 {
			t.Errorf("%s should run h-1: %+v", r.Host, r)
		}
	}
	if total != 1 {
		t.Errorf("instances across hosts %d, want 1", total)
	}
	out, code = run(t, "host", "list", "--nats-url", url)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{"HOST", "UP", "DISABLED", "VCPUS", "MEMORY", "INSTANCES", "compute-1", "up", "MiB"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if out, code = run(t, "host", "list", "--nats-url", "nats://127.0.0.1:1"); code != exitUnavailable {
		t.Fatalf("unreachable NATS: exit %d: %s", code, out)
	}
}
