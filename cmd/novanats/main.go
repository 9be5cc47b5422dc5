// Command novanats is the one binary of novanats: every service, the
// all-in-one dev cloud, and the operator's CLI.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "novanats:", err)
		os.Exit(exitCode(err))
	}
}

// Exit codes scripts can rely on.
const (
	exitOK          = 0
	exitError       = 1 // the operation failed
	exitUsage       = 2 // bad flags or arguments
	exitUnavailable = 3 // NATS or a service could not be reached
	exitNotFound    = 4 // the named server, host or migration does not exist
	exitConflict    = 5 // the object's state does not allow the action
)

// codedError carries an exit code with an error.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: code, err: err}
}

func exitCode(err error) int {
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.code
	}
	return exitError
}
