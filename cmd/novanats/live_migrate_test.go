package main

import (
	"context"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
)

func TestLiveMigrateWaitCompletes(t *testing.T) {
	cloud, insts := startCloud(t, "lm-1")
	url := cloud.NATSURL()
	source := insts[0].Host.Get()

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
