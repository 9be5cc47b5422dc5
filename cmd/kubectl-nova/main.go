// Command kubectl-nova is the kubectl plugin of novanats: `kubectl nova
// migrate|abort|force-complete|drain|cordon|uncordon|hosts` drive live
// migrations through the novanats.io/v1alpha1 LiveMigration and ComputeHost
// objects, which the controller in the conductor turns into nova's
// operations. It talks only to the Kubernetes API, with the user's
// kubeconfig, the way kubectl does (the same flags: --kubeconfig, --context,
// -n, ...).
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/novanats/novanats/internal/cliutil"
)

func main() {
	// Ctrl-C stops following a migration; the migration itself goes on
	// (abort is a separate, explicit command).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand(genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", explain(err))
		os.Exit(exitCode(err))
	}
}

// Exit codes scripts can rely on: internal/cliutil's, the same as the
// novanats CLI's, so a script treats both tools alike.
//
//	0 ok
//	1 the operation failed (a migration ended Failed or Cancelled, ...)
//	2 bad flags or arguments, or a spec the API server refuses as invalid
//	3 the API server, or the novanats.io API on it, could not be reached
//	4 the named LiveMigration, instance or compute host does not exist
//	5 the object's state does not allow the action (abort a finished migration)
const (
	exitOK          = cliutil.ExitOK
	exitError       = cliutil.ExitError
	exitUsage       = cliutil.ExitUsage
	exitUnavailable = cliutil.ExitUnavailable
	exitNotFound    = cliutil.ExitNotFound
	exitConflict    = cliutil.ExitConflict
)

func withCode(code int, err error) error { return cliutil.WithCode(code, err) }

// exitCode is the code an explicit withCode gave, else what the API
// server's answer means for a script: Kubernetes' status reasons map onto
// the same few outcomes as NATS errors do in the novanats CLI.
func exitCode(err error) int {
	if code, ok := cliutil.Code(err); ok {
		return code
	}
	switch {
	case meta.IsNoMatchError(err):
		return exitUnavailable
	case apierrors.IsNotFound(err):
		return exitNotFound
	case apierrors.IsAlreadyExists(err), apierrors.IsConflict(err):
		return exitConflict
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err):
		return exitUsage
	case apierrors.IsServiceUnavailable(err), apierrors.IsServerTimeout(err), apierrors.IsTimeout(err),
		apierrors.IsTooManyRequests(err), unreachable(err):
		return exitUnavailable
	}
	return exitError
}

// unreachable says whether err is the transport failing (refused, reset,
// DNS, TLS dial timeout) rather than an answer from the API server.
func unreachable(err error) bool {
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.As(err, &oe) ||
		utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err)
}

// explain adds what a user should do to errors whose raw text does not say:
// a cluster without the novanats CRDs answers "no matches for kind".
func explain(err error) error {
	if meta.IsNoMatchError(err) {
		return fmt.Errorf("the novanats.io/v1alpha1 API is not installed on this cluster (kubectl apply -k k8s/base/crds): %w", err)
	}
	return err
}
