// Command novanats is the one binary of novanats: every service, the
// all-in-one dev cloud, and the operator's CLI.
package main

import (
	"fmt"
	"os"

	"github.com/novanats/novanats/internal/cliutil"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "novanats:", err)
		os.Exit(exitCode(err))
	}
}

// Exit codes scripts can rely on: internal/cliutil's, which the kubectl
// plugin (cmd/kubectl-nova) shares. The short names keep call sites short.
const (
	exitOK          = cliutil.ExitOK
	exitError       = cliutil.ExitError
	exitUsage       = cliutil.ExitUsage
	exitUnavailable = cliutil.ExitUnavailable
	exitNotFound    = cliutil.ExitNotFound
	exitConflict    = cliutil.ExitConflict
)

func withCode(code int, err error) error { return cliutil.WithCode(code, err) }

func exitCode(err error) int { return cliutil.ExitCode(err) }
