package config

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// writeConf writes a config file and returns its path.
func writeConf(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nova.conf")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// flagsFor registers set on a fresh FlagSet and parses args.
func flagsFor(t *testing.T, set *Set, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.SetOutput(&bytes.Buffer{})
	set.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return fs
}

// logBuffer is a logger whose output the test can read.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

// quiet is Sources with a logger that keeps test output clean.
func quiet(src Sources) Sources {
	if src.Logger == nil {
		src.Logger, _ = logBuffer()
	}
	return src
}

func mustLoad(t *testing.T, set *Set, src Sources) *Values {
	t.Helper()
	v, err := set.Load(quiet(src))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return v
}

func mustGet(t *testing.T, v *Values, group, name string) Value {
	t.Helper()
	val, ok := v.Lookup(group, name)
	if !ok {
		t.Fatalf("no value for [%s] %s", group, name)
	}
	return val
}

// wantConfigError checks err is an *Error matching sentinel whose message
// holds every part.
func wantConfigError(t *testing.T, err, sentinel error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %v with %q", sentinel, parts)
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Errorf("error %v (%T) is not an *Error", err, err)
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("error %q is not %v", err, sentinel)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}
