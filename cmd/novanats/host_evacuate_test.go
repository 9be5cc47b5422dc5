package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/devcloud"
	"github.com/novanats/novanats/pkg/objects"
)

// cloudOnOneHost starts a dev cloud and boots the named instances, all on
// compute-1 (the other hosts disabled meanwhile), through the CLI.
func cloudOnOneHost(t *testing.T, names ...string) (*devcloud.Cloud, string) {
	t.Helper()
	cloud, _ := startCloud(t)
	url := "--nats-url=" + cloud.NATSURL()
	for _, h := range []string{"compute-2", "compute-3"} {
		if out, code := run(t, "host", "disable", h, url); code != exitOK {
			t.Fatalf("disable %s: exit %d: %s", h, code, out)
		}
	}
	for _, n := range names {
		if out, code := run(t, "server", "create", n, "--wait", url); code != exitOK || !strings.Contains(out, "active on compute-1") {
			t.Fatalf("create %s: exit %d: %s", n, code, out)
		}
	}
	for _, h := range []string{"compute-2", "compute-3"} {
		if out, code := run(t, "host", "enable", h, url); code != exitOK {
			t.Fatalf("enable %s: exit %d: %s", h, code, out)
		}
	}
	if n := hostRows(t, url)["compute-1"].Instances; n != len(names) {
		t.Fatalf("compute-1 runs %d instances, want %d", n, len(names))
	}
	return cloud, url
}

func TestHostEvacuateLiveEmptiesHost(t *testing.T) {
	cloud, url := cloudOnOneHost(t, "ev-1", "ev-2", "ev-3")
	if _, code := run(t, "host", "disable", "compute-1", "--reason", "maintenance", url); code != exitOK {
		t.Fatal("disable compute-1")
	}
	stdout, stderr, code := runSplit(t, "host", "evacuate-live", "compute-1", "--wait", "-o", "json", url)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	var rows []evacuateRow
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if len(rows) != 3 {
		t.Fatalf("want one row per instance, 3: %+v", rows)
	}
	for i, r := range rows {
		if want := []string{"ev-1", "ev-2", "ev-3"}[i]; r.Name != want || !r.Accepted || r.ErrorMessage != "" || r.MigrationUUID == "" ||
			r.Status != string(objects.MigrationCompleted) || r.DestHost == "" || r.DestHost == "compute-1" {
			t.Errorf("row %d: %+v", i, r)
		}
	}
	// The progress went to stderr: every migration's status lines.
	for _, r := range rows {
		if !strings.Contains(stderr, "migration "+r.MigrationUUID+": completed (compute-1 -> "+r.DestHost+")") {
			t.Errorf("stderr lacks the end of %s:\n%s", r.MigrationUUID, stderr)
		}
	}
	left, err := cloud.Store.Instances.ListByHost(context.Background(), "compute-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("compute-1 still runs %d instances", len(left))
	}
	if n := hostRows(t, url)["compute-1"].Instances; n != 0 {
		t.Fatalf("host list: compute-1 runs %d instances", n)
	}

	// Evacuating it again: nothing to do.
	out, code := run(t, "host", "evacuate-live", "compute-1", url)
	if code != exitOK || strings.TrimSpace(out) != "no instances on compute-1" {
		t.Fatalf("empty host: exit %d: %q", code, out)
	}
	stdout, _, code = runSplit(t, "host", "evacuate-live", "compute-1", "-o", "yaml", url)
	if code != exitOK || strings.TrimSpace(stdout) != "[]" {
		t.Fatalf("empty host, yaml: exit %d: %q", code, stdout)
	}
}

func TestHostEvacuateLiveReportsEachInstance(t *testing.T) {
	cloud, url := cloudOnOneHost(t, "one-1", "one-2", "one-3")
	ctx := context.Background()
	// one-2 is busy: its live migration is refused, the others go on.
	insts, err := cloud.Store.Instances.ListByHost(ctx, "compute-1")
	if err != nil {
		t.Fatal(err)
	}
	var busy string
	for _, in := range insts {
		if in.DisplayName.Get() == "one-2" {
			busy = in.UUID.Get()
		}
	}
	if _, err := cloud.Store.Instances.Update(ctx, busy, func(in *objects.Instance) error {
		in.TaskState.Set(objects.TaskMigrating)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out, code := run(t, "host", "evacuate-live", "compute-1", "--target-host", "compute-3", "--max-concurrent", "1", "--wait", url)
	if code != exitError {
		t.Fatalf("exit %d, want %d: %s", code, exitError, out)
	}
	for _, want := range []string{"SERVER UUID", "LIVE MIGRATION ACCEPTED", "ERROR MESSAGE", busy, "Error while live migrating instance: ",
		"evacuate-live compute-1: of 3 live migrations, 1 not accepted"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// --max-concurrent 1 waited for one-1's migration to end before
	// asking for one-3's.
	first, third := strings.Index(out, ": completed (compute-1 -> compute-3)"), strings.Index(out, "(one-3): live migration")
	if first < 0 || third < 0 || third < first {
		t.Errorf("one-3's migration was not requested after one-1's ended:\n%s", out)
	}
	left, err := cloud.Store.Instances.ListByHost(ctx, "compute-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].UUID.Get() != busy {
		t.Fatalf("want only the busy one-2 left on compute-1: %d instances", len(left))
	}
	// Once one-2 is free its migration is accepted; one that then fails
	// (the destination refuses to prepare) is reported with --wait.
	if _, err := cloud.Store.Instances.Update(ctx, busy, func(in *objects.Instance) error {
		in.TaskState.SetNull()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	cloud.Drivers["compute-3"].FailPreLiveMigration(busy, nil)
	stdout, stderr, code := runSplit(t, "host", "evacuate-live", "compute-1", "--target-host", "compute-3", "--wait", "-o", "json", url)
	var rows []evacuateRow
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if code != exitError || len(rows) != 1 || !rows[0].Accepted || rows[0].Status == string(objects.MigrationCompleted) || rows[0].Status == "" ||
		!strings.HasSuffix(stderr, "of 1 live migrations, 1 did not complete (why: 'novanats server action-list SERVER --events')") {
		t.Fatalf("failed migration: exit %d: %+v\n%s", code, rows, stderr)
	}
	// The fault was one-shot: evacuating again moves it.
	out, code = run(t, "host", "evacuate-live", "compute-1", "--target-host", "compute-3", "--wait", url)
	if code != exitOK || !strings.Contains(out, "one-2") || !strings.Contains(out, "completed") {
		t.Fatalf("third evacuation: exit %d: %s", code, out)
	}
}

func TestHostEvacuateLiveErrors(t *testing.T) {
	cloud, _ := startCloud(t)
	url := "--nats-url=" + cloud.NATSURL()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"compute-9"}, exitNotFound, `no compute host "compute-9" (see 'novanats host list')`},
		{[]string{"compute-1", "--target-host", "compute-9"}, exitNotFound, `no compute host "compute-9"`},
		{[]string{"compute-1", "--target-host", "compute-1"}, exitUsage, "is the host being evacuated"},
		{[]string{"compute-1", "--max-concurrent", "-1"}, exitUsage, "--max-concurrent -1"},
		{[]string{"compute-1", "-o", "xml"}, exitUsage, "want table, json or yaml"},
		{[]string{}, exitUsage, "accepts 1 arg"},
	} {
		out, code := run(t, append([]string{"host", "evacuate-live", url}, tc.args...)...)
		if code != tc.code || !strings.Contains(out, tc.want) || strings.Contains(strings.TrimSpace(out), "\n") {
			t.Errorf("%v: exit %d (want %d), want one line with %q: %q", tc.args, code, tc.code, tc.want, out)
		}
	}
	out, code := run(t, "host", "evacuate-live", "compute-1", "--nats-url", "nats://127.0.0.1:1")
	if code != exitUnavailable || !strings.Contains(out, "cannot connect to NATS at nats://127.0.0.1:1") {
		t.Fatalf("unreachable NATS: exit %d: %s", code, out)
	}
}
