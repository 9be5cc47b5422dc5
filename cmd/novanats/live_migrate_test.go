package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/devcloud"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc/tap"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor"
)

func TestLiveMigrateWaitCompletes(t *testing.T) {
	cloud, insts := startCloud(t, "lm-1")
	url := cloud.NATSURL()
	source := insts[0].Host.Get()
	events := tapCloud(t, cloud)

	out, code := run(t, "live-migrate", "lm-1", "--wait", "--nats-url", url)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{"live migration ", "started: " + source, ": completed (" + source} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	after, err := cloud.Store.Instances.Get(t.Context(), insts[0].UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	if after.Host.Get() == source {
		t.Fatalf("instance still on %s:\n%s", source, out)
	}

	// The command started one trace: every message of the flow, from
	// migrate_server through conductor, scheduler and both computes,
	// carries its trace id (and nova's one request id).
	var flow []tap.Event
	for ev := range events {
		if ev.Kind == tap.KindReply || ev.Kind == tap.KindHeartbeat || ev.Kind == tap.KindError {
			continue
		}
		if ev.Method == conductor.MigrateServer.Spec.Name {
			flow = nil // earlier traffic (the boot) is another request
		}
		flow = append(flow, ev)
		if ev.Method == compute.PostLiveMigrationAtDestination.Spec.Name {
			break
		}
	}
	if len(flow) < 5 || flow[0].Method != conductor.MigrateServer.Spec.Name {
		t.Fatalf("tap saw no whole migration flow: %+v", flow)
	}
	// The command prints the request id the flow carries, for
	// `rpc tap --request-id` and `server action-list`.
	if want := "(request " + flow[0].RequestID + ")"; flow[0].RequestID == "" || !strings.Contains(out, want) {
		t.Errorf("output does not name the flow's request %q:\n%s", flow[0].RequestID, out)
	}
	for _, ev := range flow {
		if ev.RequestID != flow[0].RequestID {
			continue // another request's message in between (a periodic task)
		}
		if ev.TraceID == "" || ev.TraceID != flow[0].TraceID {
			t.Errorf("%s %s has trace id %q, migrate_server %q", ev.Kind, ev.Method, ev.TraceID, flow[0].TraceID)
		}
	}
}

// tapCloud watches the cloud's RPC traffic from now on, as `rpc tap` does.
// The channel closes when the test ends.
func tapCloud(t *testing.T, cloud *devcloud.Cloud) <-chan tap.Event {
	t.Helper()
	nc, err := cloud.Connect("tap")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	events := make(chan tap.Event, 4096)
	ready := make(chan error, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	go func() {
		defer close(events)
		ready <- tap.Run(ctx, nc, tap.Options{Ready: func() { ready <- nil }}, func(ev tap.Event) {
			select {
			case events <- ev:
			case <-ctx.Done():
			}
		})
	}()
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	return events
}

func TestLiveMigrateRefusals(t *testing.T) {
	cloud, insts := startCloud(t, "lm-2")
	url := cloud.NATSURL()

	out, code := run(t, "live-migrate", "no-such", "--nats-url", url)
	if code != exitNotFound {
		t.Fatalf("unknown server: exit %d: %s", code, out)
	}

	// A task in progress refuses it: exit 5, one line naming the error.
	ctx := context.Background()
	if _, err := cloud.Store.Instances.Update(ctx, insts[0].UUID.Get(), func(in *objects.Instance) error {
		in.TaskState.Set(objects.TaskMigrating)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out, code = run(t, "live-migrate", "lm-2", "--nats-url", url)
	if code != exitConflict {
		t.Fatalf("busy instance: exit %d, want %d: %s", code, exitConflict, out)
	}
	if !strings.HasPrefix(out, "live migration refused: ") || strings.Contains(strings.TrimSpace(out), "\n") {
		t.Fatalf("refusal is not one line: %q", out)
	}
}
