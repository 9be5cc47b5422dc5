package cliutil

import (
	"errors"
	"fmt"
	"os"
	"testing"
)

func TestExitCode(t *testing.T) {
	base := errors.New("boom")
	for _, tc := range []struct {
		err  error
		want int
	}{
		{base, ExitError},
		{WithCode(ExitNotFound, base), ExitNotFound},
		{fmt.Errorf("wrapped: %w", WithCode(ExitConflict, base)), ExitConflict},
		{errors.Join(WithCode(ExitUsage, base), WithCode(ExitConflict, base)), ExitUsage},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	if WithCode(ExitUsage, nil) != nil {
		t.Error("WithCode of nil is not nil")
	}
	if _, ok := Code(base); ok {
		t.Error("Code of an uncoded error says it has one")
	}
	if err := WithCode(ExitUsage, base); !errors.Is(err, base) || err.Error() != "boom" {
		t.Errorf("WithCode hides the error: %v", err)
	}
}

func TestBytesIEC(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 512 << 20: "512.0 MiB", 3 << 29: "1.5 GiB"} {
		if got := BytesIEC(n); got != want {
			t.Errorf("BytesIEC(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a regular file is a terminal")
	}
	if IsTerminal(new(errWriter)) {
		t.Error("a non-file writer is a terminal")
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("no") }
