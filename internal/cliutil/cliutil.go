// Package cliutil is what novanats's two command-line tools share: the
// novanats CLI (cmd/novanats) and the kubectl plugin (cmd/kubectl-nova).
// The exit codes are a contract with scripts, so both tools take them from
// here; so do the small helpers of their progress output.
package cliutil

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// Exit codes scripts can rely on.
const (
	ExitOK          = 0
	ExitError       = 1 // the operation failed
	ExitUsage       = 2 // bad flags or arguments
	ExitUnavailable = 3 // a service (NATS, the conductor, the API server) could not be reached
	ExitNotFound    = 4 // the named server, host or migration does not exist
	ExitConflict    = 5 // the object's state does not allow the action
)

// codedError carries an exit code with an error.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// WithCode gives err the exit code code; nil stays nil.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: code, err: err}
}

// Code is the exit code WithCode gave err or an error it wraps (the first
// found, errors.As order), and whether there was one.
func Code(err error) (int, bool) {
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.code, true
	}
	return 0, false
}

// ExitCode is err's code from WithCode, else ExitError.
func ExitCode(err error) int {
	if code, ok := Code(err); ok {
		return code
	}
	return ExitError
}

// IsTerminal says whether w is a terminal (progress bars) or a pipe or
// file (plain lines).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// BytesIEC renders a byte count as KiB/MiB/GiB.
func BytesIEC(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
