package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/conductor"
)

// A migration followed on a terminal is a progress bar redrawn in place;
// anywhere else, plain lines.
func TestFollowBarOnTerminalLinesOtherwise(t *testing.T) {
	// 4 GiB: long enough (about a second at the tests' clock speed)
	// for several refreshes.
	cloud, insts := startCloudMem(t, 4096, "f-1", "f-2")
	nc, err := cloud.Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := conductor.NewTaskAPI(nc, rpc.Caller("test"))
	if err != nil {
		t.Fatal(err)
	}
	follow := func(inst *objects.Instance, tty bool, stats func(*objects.Migration) (virt.JobStats, bool)) string {
		t.Helper()
		mig, err := tasks.MigrateServer(operatorContext(t.Context()), conductor.LiveMigrateInstanceArgs{InstanceUUID: inst.UUID.Get()})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		f := newFollower(t.Context(), &out, cloud.Store, stats)
		defer f.close()
		f.tty = tty
		if err := f.add(mig.ID.Get()); err != nil {
			t.Fatal(err)
		}
		final, err := f.next()
		if err != nil {
			t.Fatal(err)
		}
		if final.Status.Get() != objects.MigrationCompleted {
			t.Fatalf("migration ended %s:\n%s", final.Status.Get(), out.String())
		}
		return out.String()
	}

	// On a terminal, with the hypervisor's job: the bar, redrawn with
	// carriage returns, showing memory remaining, dirty and transfer rates.
	source, id := insts[0].Host.Get(), insts[0].UUID.Get()
	bar := follow(insts[0], true, func(*objects.Migration) (virt.JobStats, bool) {
		js, err := cloud.Drivers[source].LiveMigrationStats(id)
		return js, err == nil
	})
	if !strings.Contains(bar, "\r") || !regexp.MustCompile(`\d+% \|[^|]*\| +remaining \S+ \S+ · dirty \S+ \S+/s · transfer \S+ \S+/s · pass \d+`).MatchString(bar) {
		t.Errorf("no progress bar on a terminal:\n%q", bar)
	}
	if !strings.Contains(bar, ": completed (") {
		t.Errorf("the bar hides the status lines:\n%q", bar)
	}

	// Elsewhere, from the counters the compute saves: plain lines, no
	// redrawing, no rates it does not know.
	plain := follow(insts[1], false, nil)
	if strings.Contains(plain, "\r") {
		t.Errorf("carriage returns in plain output:\n%q", plain)
	}
	if !regexp.MustCompile(`(?m)^ +\d+% remaining \S+ \S+ of 4\.0 GiB$`).MatchString(plain) || strings.Contains(plain, "dirty") {
		t.Errorf("no plain progress line:\n%s", plain)
	}
	for _, want := range []string{": running (", ": completed ("} {
		if !strings.Contains(plain, want) {
			t.Errorf("plain output lacks %q:\n%s", want, plain)
		}
	}
}
