package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
)

func TestServerCreateActionListDelete(t *testing.T) {
	cloud, _ := startCloud(t)
	url := cloud.NATSURL()

	out, code := run(t, "server", "create", "app-1", "--vcpus", "2", "--memory-mb", "2048", "--disk-gb", "5", "--wait", "--nats-url", url)
	if code != exitOK || !strings.Contains(out, "is active on compute-") {
		t.Fatalf("create: exit %d: %s", code, out)
	}
	out, code = run(t, "server", "show", "app-1", "--nats-url", url, "-o", "json")
	if code != exitOK {
		t.Fatalf("show: exit %d: %s", code, out)
	}
	var inst map[string]any
	if err := json.Unmarshal([]byte(out), &inst); err != nil {
		t.Fatal(err, out)
	}
	if inst["vcpus"] != 2.0 || inst["memory_mb"] != 2048.0 || inst["vm_state"] != "active" {
		t.Fatalf("created instance: %v", inst)
	}
	id := inst["uuid"].(string)

	if out, code = run(t, "server", "create", "bad", "--vcpus", "0", "--nats-url", url); code != exitUsage {
		t.Fatalf("--vcpus 0: exit %d: %s", code, out)
	}

	out, code = run(t, "server", "action-list", "app-1", "--nats-url", url, "-o", "json")
	if code != exitOK {
		t.Fatalf("action-list: exit %d: %s", code, out)
	}
	var actions []map[string]any
	if err := json.Unmarshal([]byte(out), &actions); err != nil || len(actions) == 0 {
		t.Fatalf("actions: %v %s", err, out)
	}
	first := actions[0]["action"].(string)
	// updated_at is stored as nova stores it: the latest event's start or
	// finish, which the boot's events set.
	if actions[0]["updated_at"] == nil {
		t.Fatalf("action without updated_at: %v", actions[0])
	}
	out, code = run(t, "server", "action-list", "app-1", "--nats-url", url)
	if rows := strings.Split(out, "\n"); code != exitOK || !strings.Contains(rows[0], "END (LAST EVENT)") || len(rows) < 2 || len(strings.Fields(rows[1])) < 4 || strings.Fields(rows[1])[3] == "-" {
		t.Fatalf("action-list: the create action shows no end or progress: exit %d: %s", code, out)
	}
	out, code = run(t, "server", "action-list", "app-1", "--events", "--nats-url", url)
	if code != exitOK || !strings.Contains(out, "action "+first+" of instance "+id) || !strings.Contains(out, "EVENT") {
		t.Fatalf("action-list --events: exit %d: %s", code, out)
	}

	// A task in progress refuses the delete.
	ctx := context.Background()
	if _, err := cloud.Store.Instances.Update(ctx, id, func(in *objects.Instance) error {
		in.TaskState.Set(objects.TaskMigrating)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if out, code = run(t, "server", "delete", "app-1", "--nats-url", url); code != exitConflict || !strings.HasPrefix(out, "delete refused: ") {
		t.Fatalf("busy delete: exit %d: %s", code, out)
	}
	if _, err := cloud.Store.Instances.Update(ctx, id, func(in *objects.Instance) error {
		in.TaskState.Set("")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out, code = run(t, "server", "delete", "app-1", "--wait", "--nats-url", url)
	if code != exitOK || !strings.Contains(out, "deleted") {
		t.Fatalf("delete: exit %d: %s", code, out)
	}
	if out, code = run(t, "server", "show", id, "--nats-url", url); code != exitNotFound {
		t.Fatalf("show after delete: exit %d: %s", code, out)
	}
	if out, code = run(t, "server", "delete", "app-1", "--nats-url", url); code != exitNotFound {
		t.Fatalf("delete of a deleted server: exit %d: %s", code, out)
	}
}
