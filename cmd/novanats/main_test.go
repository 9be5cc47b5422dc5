package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

// run executes the CLI in-process and returns its output and exit code.
func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	if err != nil {
		out.WriteString(err.Error())
		return out.String(), exitCode(err)
	}
	return out.String(), exitOK
}

// runSplit is run with stdout and stderr apart, for commands whose JSON
// on stdout comes with progress on stderr.
func runSplit(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := newRootCommand()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		errOut.WriteString(err.Error())
		return out.String(), errOut.String(), exitCode(err)
	}
	return out.String(), errOut.String(), exitOK
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{"scheduler", "--bogus"},
		{"scheduler", "--report-interval", "abc", "--listen-metrics", "127.0.0.1:0"},
		{"rpc", "tap", "-o", "xml"},
		{"rpc", "map", "-o", "xml", "--source", "../.."},
	} {
		out, code := run(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, out)
		}
	}
}

func TestUnreachableNATSExitsThreeAndSaysWhatToCheck(t *testing.T) {
	out, code := run(t, "scheduler", "--nats-url", "nats://127.0.0.1:1", "--listen-metrics", "127.0.0.1:0")
	if code != exitUnavailable {
		t.Fatalf("exit %d, want %d: %s", code, exitUnavailable, out)
	}
	if !strings.Contains(out, "nats://127.0.0.1:1") || !strings.Contains(out, "novanats dev") {
		t.Fatalf("error does not name the URL and what to check: %s", out)
	}
}

func TestPrintConfigShowsSources(t *testing.T) {
	out, code := run(t, "compute", "--host", "cmp-9", "--max-concurrent-live-migrations", "2", "--print-config")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{"host", "cmp-9", "flag --host", "max_concurrent_live_migrations", "2", "live_migration_completion_timeout", "default"} {
		if !strings.Contains(out, want) {
			t.Errorf("print-config lacks %q:\n%s", want, out)
		}
	}
}

// Every command that talks to NATS fails the same way when NATS is not
// there: exit 3, one line naming the URL and what to check, nothing done.
func TestEveryVerbSaysWhichNATSIsUnreachable(t *testing.T) {
	const url = "nats://127.0.0.1:1"
	for _, args := range [][]string{
		{"server", "list"}, {"server", "show", "x"}, {"server", "create", "x"}, {"server", "delete", "x"}, {"server", "action-list", "x"},
		{"live-migrate", "x"},
		{"migration", "list"}, {"migration", "show", "1"}, {"migration", "abort", "1"}, {"migration", "force-complete", "1"},
		{"host", "list"}, {"host", "disable", "h"}, {"host", "enable", "h"}, {"host", "evacuate-live", "h"},
		{"rpc", "tap"},
	} {
		out, code := run(t, append(args, "--nats-url", url)...)
		if code != exitUnavailable {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitUnavailable, out)
			continue
		}
		if line := strings.TrimSpace(out); strings.Contains(line, "\n") || !strings.Contains(line, "cannot connect to NATS at "+url) ||
			!strings.Contains(line, "is NATS running there? start a dev cloud with 'novanats dev', or pass --nats-url") {
			t.Errorf("%v: not one line naming the URL and what to check: %q", args, out)
		}
	}
}

// NATS that refuses the credentials: exit 3, and the hint is the
// credential flags, not whether NATS runs.
func TestNATSAuthorizationFailureSaysWhatToCheck(t *testing.T) {
	s := rpctest.StartServer(t, rpctest.WithServerOptions(func(o *server.Options) { o.Username, o.Password = "op", "secret" }))
	for _, creds := range [][]string{nil, {"--nats-user", "op", "--nats-password", "wrong"}} {
		out, code := run(t, append([]string{"server", "list", "--nats-url", s.URL()}, creds...)...)
		if code != exitUnavailable || !strings.Contains(out, "cannot connect to NATS at "+s.URL()) || !strings.Contains(out, "check --nats-creds / --nats-user / --nats-password") {
			t.Errorf("%v: exit %d: %s", creds, code, out)
		}
	}
}
