package main

import (
	"bytes"
	"strings"
	"testing"
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
