package virt

import (
	"errors"
	"fmt"
	"time"

	"github.com/novanats/novanats/pkg/rpc"
)

// Sentinel errors. Drivers wrap them with the instance and host involved, so
// callers test with errors.Is and still log a useful message.
var (
	// ErrInstanceNotFound mirrors nova.exception.InstanceNotFound.
	ErrInstanceNotFound = errors.New("instance not found")
	// ErrInstanceExists mirrors nova.exception.InstanceExists.
	ErrInstanceExists = errors.New("instance already exists")
	// ErrInvalidInput marks arguments no driver could act on (negative
	// sizes, empty uuid, zero bandwidth, ...).
	ErrInvalidInput = errors.New("invalid input")
	// ErrInvalidState: the guest exists but is in the wrong state for the
	// request (nova: InstanceInvalidState / InvalidLocalStorage...).
	ErrInvalidState = errors.New("invalid instance state")
	// ErrNoActiveMigration: abort / force-complete / stats asked for a guest
	// that is not being live-migrated from this host.
	ErrNoActiveMigration = errors.New("no live migration in progress")
	// ErrMigrationInProgress: the guest is already being live-migrated.
	ErrMigrationInProgress = errors.New("live migration already in progress")
	// ErrPostCopyAbort: a migration in post-copy cannot be aborted because
	// the guest already runs on the destination (QEMU cannot cancel it).
	ErrPostCopyAbort = errors.New("cannot abort a live migration running in post-copy mode")
)

// AbortReason tells why a live migration was cancelled, because the compute
// manager records different statuses for an operator's abort and for the
// completion timeout.
type AbortReason int

const (
	// AbortRequested: LiveMigrationAbort was called (nova's
	// live_migration_abort API, migration status 'cancelled').
	AbortRequested AbortReason = iota + 1
	// AbortCompletionTimeout: live_migration_completion_timeout expired with
	// live_migration_timeout_action=abort.
	AbortCompletionTimeout
	// AbortContextCancelled: the caller's context ended before the
	// migration switched over.
	AbortContextCancelled
)

func (r AbortReason) String() string {
	switch r {
	case AbortRequested:
		return "abort requested"
	case AbortCompletionTimeout:
		return "completion timeout"
	case AbortContextCancelled:
		return "context cancelled"
	}
	return fmt.Sprintf("abort_reason(%d)", int(r))
}

// MigrationAborted is returned by LiveMigration when the migration was
// cancelled before switch-over. The guest still runs on the source (it is
// unpaused if the migration paused it); the destination still holds the
// prepared guest until RollbackLiveMigrationAtDestination.
type MigrationAborted struct {
	InstanceUUID string
	Reason       AbortReason
	Elapsed      time.Duration // migration time when it was cancelled
	Timeout      time.Duration // the completion timeout, for AbortCompletionTimeout
	Err          error         // the context error, for AbortContextCancelled
}

func (e *MigrationAborted) Error() string {
	switch e.Reason {
	case AbortCompletionTimeout:
		return fmt.Sprintf("live migration of %s aborted: not completed within the completion timeout of %s (elapsed %s)",
			e.InstanceUUID, e.Timeout, e.Elapsed)
	case AbortContextCancelled:
		return fmt.Sprintf("live migration of %s aborted after %s: %v", e.InstanceUUID, e.Elapsed, e.Err)
	}
	return fmt.Sprintf("live migration of %s aborted after %s: %s", e.InstanceUUID, e.Elapsed, e.Reason)
}

func (e *MigrationAborted) Unwrap() error { return e.Err }

// MigrationError mirrors nova.exception.MigrationError: the driver or the
// hypervisor failed the migration (link lost, source or destination died,
// ...). Err carries the cause.
type MigrationError struct {
	InstanceUUID string
	Host         string // the host reporting the failure
	Err          error
	// PostCopy is true if the failure happened after the switch to
	// post-copy.
	PostCopy bool
	// GuestLost is true when the guest's memory could not be recovered on
	// either host (post-copy failure, source process death): the instance
	// must be hard-rebooted, as nova's documentation warns for post-copy.
	GuestLost bool
}

func (e *MigrationError) Error() string {
	msg := fmt.Sprintf("live migration of %s from %s failed: %v", e.InstanceUUID, e.Host, e.Err)
	if e.GuestLost {
		msg += " (guest memory lost: the instance must be hard rebooted)"
	}
	return msg
}

func (e *MigrationError) Unwrap() error { return e.Err }

// MigrationPreCheckError mirrors nova.exception.MigrationPreCheckError:
// CheckCanLiveMigrate{Destination,Source} refused the migration. Nothing was
// changed on either host.
type MigrationPreCheckError struct {
	InstanceUUID string
	Host         string
	Reason       string
}

func (e *MigrationPreCheckError) Error() string {
	return fmt.Sprintf("migration pre-check error for %s on %s: %s", e.InstanceUUID, e.Host, e.Reason)
}

// Migration statuses nova records on the Migration object.
const (
	MigrationStatusCompleted = "completed"
	MigrationStatusCancelled = "cancelled"
	MigrationStatusFailed    = "failed"
	MigrationStatusError     = "error"
)

// MigrationStatusFor maps the outcome of a live-migration step to the
// Migration status the compute manager should record.
//
// nova records 'cancelled' for an operator abort, 'failed' for pre-check
// errors (conductor) and 'error' for everything that broke once the
// migration started. One deliberate difference: nova's libvirt driver aborts
// on completion timeout through the same abortJob call as an operator abort
// and so records 'cancelled'; we record 'failed', so that a timeout — the
// system giving up, not an operator's choice — stays visible.
func MigrationStatusFor(err error) string {
	if err == nil {
		return MigrationStatusCompleted
	}
	var aborted *MigrationAborted
	if errors.As(err, &aborted) {
		if aborted.Reason == AbortCompletionTimeout {
			return MigrationStatusFailed
		}
		return MigrationStatusCancelled
	}
	var pre *MigrationPreCheckError
	if errors.As(err, &pre) {
		return MigrationStatusFailed
	}
	return MigrationStatusError
}

// The pre-check refusal crosses RPC (destination to source to conductor),
// so it is registered under nova's exception name: the conductor finds a
// *MigrationPreCheckError with errors.As and tries another host, as nova's
// LiveMigrationTask does.
func init() { rpc.RegisterError[*MigrationPreCheckError]("MigrationPreCheckError") }
