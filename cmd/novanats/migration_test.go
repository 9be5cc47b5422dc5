package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/objects"
)

func TestMigrationListShowAndRefusals(t *testing.T) {
	cloud, insts := startCloud(t, "mg-1", "mg-2")
	url := cloud.NATSURL()
	if out, code := run(t, "live-migrate", "mg-1", "--wait", "--nats-url", url); code != exitOK {
		t.Fatalf("live-migrate: exit %d: %s", code, out)
	}

	out, code := run(t, "migration", "list", "--nats-url", url, "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(list) != 1 || list[0]["status"] != "completed" || list[0]["instance_uuid"] != insts[0].UUID.Get() {
		t.Fatalf("json list: %v", list)
	}
	id := fmt.Sprint(list[0]["id"])
	muuid := fmt.Sprint(list[0]["uuid"])

	out, code = run(t, "migration", "list", "--instance", "mg-2", "--nats-url", url, "-o", "json")
	if code != exitOK || strings.TrimSpace(out) != "[]" {
		t.Fatalf("mg-2 has no migrations: exit %d: %s", code, out)
	}
	out, code = run(t, "migration", "list", "--instance", "mg-1", "--nats-url", url)
	if code != exitOK || !strings.Contains(out, muuid) || !strings.Contains(out, "completed") {
		t.Fatalf("table: exit %d: %s", code, out)
	}

	for _, ref := range []string{id, muuid} {
		out, code = run(t, "migration", "show", ref, "--nats-url", url, "-o", "json")
		if code != exitOK {
			t.Fatalf("show %s: exit %d: %s", ref, code, out)
		}
		var one map[string]any
		if err := json.Unmarshal([]byte(out), &one); err != nil || one["uuid"] != muuid {
			t.Fatalf("show %s: %v %v", ref, err, one)
		}
	}
	out, code = run(t, "migration", "show", id, "--nats-url", url)
	if code != exitOK || !strings.Contains(out, "status") || !strings.Contains(out, "completed") {
		t.Fatalf("show table: exit %d: %s", code, out)
	}
	if out, code = run(t, "migration", "show", "999", "--nats-url", url); code != exitNotFound || !strings.Contains(out, `no migration "999"`) {
		t.Fatalf("unknown id: exit %d: %s", code, out)
	}

	for _, verb := range []string{"abort", "force-complete"} {
		out, code = run(t, "migration", verb, id, "--nats-url", url)
		if code != exitConflict || !strings.Contains(out, "cannot "+verb) || !strings.Contains(out, "completed") {
			t.Fatalf("%s of a completed migration: exit %d: %s", verb, code, out)
		}
		if out, code = run(t, "migration", verb, "12345", "--nats-url", url); code != exitNotFound {
			t.Fatalf("%s of an unknown migration: exit %d: %s", verb, code, out)
		}
	}
}

func TestMigrationAbortRunning(t *testing.T) {
	actOnRunning(t, "abort", objects.MigrationCancelled)
}

func TestMigrationForceCompleteRunning(t *testing.T) {
	actOnRunning(t, "force-complete", objects.MigrationCompleted)
}

// actOnRunning starts a live migration of a large instance, runs verb on
// it once it is running, and wants it to end want.
func actOnRunning(t *testing.T, verb string, want objects.MigrationStatus) {
	t.Helper()
	cloud, _ := startCloudMem(t, 16384, "big")
	url := cloud.NATSURL()
	out, code := run(t, "live-migrate", "big", "--nats-url", url)
	if code != exitOK {
		t.Fatalf("live-migrate: exit %d: %s", code, out)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var id int
	if _, err := fmt.Sscanf(out[strings.Index(out, "(id "):], "(id %d)", &id); err != nil {
		t.Fatalf("no migration id in %q: %v", out, err)
	}
	updates, err := cloud.Store.Migrations.Watch(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	aborted := false
	for u := range updates {
		if u.Err != nil || u.Value == nil {
			continue
		}
		s := u.Value.Status.Get()
		if s == objects.MigrationRunning && !aborted {
			out, code := run(t, "migration", verb, fmt.Sprint(u.Value.ID.Get()), "--nats-url", url)
			if code != exitOK || !strings.Contains(out, verb+" requested") {
				t.Fatalf("%s: exit %d: %s", verb, code, out)
			}
			aborted = true
		}
		if finalMigration(s) {
			if !aborted {
				t.Fatalf("migration ended %s before %s was tried", s, verb)
			}
			if s != want {
				t.Fatalf("migration ended %s after %s, want %s", s, verb, want)
			}
			return
		}
	}
	t.Fatalf("migration did not end: %v", ctx.Err())
}
