package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novanats/novanats/pkg/devcloud"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/conductor"
)

// startCloud starts a dev cloud and boots the named instances (1 GiB each).
func startCloud(t *testing.T, names ...string) (*devcloud.Cloud, []*objects.Instance) {
	t.Helper()
	return startCloudMem(t, 1024, names...)
}

// startCloudMem is startCloud with instances of memoryMB each.
func startCloudMem(t *testing.T, memoryMB int, names ...string) (*devcloud.Cloud, []*objects.Instance) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cloud, err := devcloud.Start(ctx, devcloud.Config{DataDir: t.TempDir(), NATSPort: -1, MetricsAddr: "-", SimSpeed: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.Stop(context.Background()) })
	if len(names) == 0 {
		return cloud, nil
	}
	nc, err := cloud.Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := conductor.NewTaskAPI(nc, rpc.Caller("test"))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []conductor.BuildRequest
	for _, n := range names {
		reqs = append(reqs, conductor.BuildRequest{InstanceUUID: uuid.NewString(), DisplayName: n, Flavor: demoFlavor(memoryMB)})
	}
	if err := tasks.ScheduleAndBuildInstances(apiContext(ctx), reqs); err != nil {
		t.Fatal(err)
	}
	var insts []*objects.Instance
	for _, r := range reqs {
		in, err := awaitActive(ctx, cloud.Store, r.InstanceUUID)
		if err != nil {
			t.Fatal(err)
		}
		insts = append(insts, in)
	}
	return cloud, insts
}

func TestServerListAndShow(t *testing.T) {
	cloud, insts := startCloud(t, "web-1", "web-2")
	url := cloud.NATSURL()

	out, code := run(t, "server", "list", "--nats-url", url)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{"UUID", "MEMORY", "web-1", "web-2", "active", "compute-", "1024 MiB", insts[0].UUID.Get()} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	out, code = run(t, "server", "list", "--nats-url", url, "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(list) != 2 || list[0]["vm_state"] != "active" {
		t.Fatalf("json list: %v", list)
	}

	for _, ref := range []string{"web-2", insts[1].UUID.Get()} {
		out, code = run(t, "server", "show", ref, "--nats-url", url, "-o", "json")
		if code != exitOK {
			t.Fatalf("show %s: exit %d: %s", ref, code, out)
		}
		var one map[string]any
		if err := json.Unmarshal([]byte(out), &one); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if one["uuid"] != insts[1].UUID.Get() || one["display_name"] != "web-2" || one["host"] != insts[1].Host.Get() {
			t.Fatalf("show %s: %v", ref, one)
		}
	}
	out, code = run(t, "server", "show", "web-1", "--nats-url", url)
	if code != exitOK || !strings.Contains(out, insts[0].UUID.Get()) || !strings.Contains(out, "status") {
		t.Fatalf("show table: exit %d: %s", code, out)
	}

	out, code = run(t, "server", "show", "nope", "--nats-url", url)
	if code != exitNotFound || !strings.Contains(out, `no server "nope"`) || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("unknown server: exit %d: %q", code, out)
	}
	out, code = run(t, "server", "list", "--nats-url", url, "-o", "xml")
	if code != exitUsage {
		t.Fatalf("-o xml: exit %d: %s", code, out)
	}
	out, code = run(t, "server", "show", "--nats-url", url)
	if code != exitUsage {
		t.Fatalf("no SERVER: exit %d: %s", code, out)
	}
}

// findServer's contract through store.FindInstance: a name two instances
// share is a usage error that says to give the uuid, their uuids find
// each, and an unknown uuid is not found (exit 4), as an unknown name is.
func TestServerAmbiguousName(t *testing.T) {
	cloud, insts := startCloud(t, "twin", "twin")
	url := cloud.NATSURL()

	out, code := run(t, "server", "show", "twin", "--nats-url", url)
	if code != exitUsage || !strings.Contains(out, `2 servers are named "twin": give the uuid`) {
		t.Fatalf("ambiguous name: exit %d: %q", code, out)
	}
	for _, in := range insts {
		out, code = run(t, "server", "show", in.UUID.Get(), "--nats-url", url, "-o", "json")
		if code != exitOK || !strings.Contains(out, in.UUID.Get()) {
			t.Fatalf("show %s: exit %d: %s", in.UUID.Get(), code, out)
		}
	}
	unknown := uuid.NewString()
	out, code = run(t, "server", "action-list", unknown, "--nats-url", url)
	if code != exitNotFound || !strings.Contains(out, `no server "`+unknown+`" (by uuid or name)`) {
		t.Fatalf("unknown uuid: exit %d: %q", code, out)
	}
}
