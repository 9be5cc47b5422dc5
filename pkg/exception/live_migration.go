package exception

import (
	"fmt"

	"github.com/novanats/novanats/pkg/rpc"
)

// The errors the conductor's live-migration checks raise, with nova's
// class names. Each says why a migration was refused before anything
// moved: the instance stays where it is, active, and its Migration ends
// in 'error'. They travel back to nova-api's side of migrate_server, so
// they are registered for RPC here, in one place, as the conductor and
// every caller of it link this package.
//
// nova's MigrationPreCheckError is the compute's refusal and is declared
// next to the virt drivers that raise it (services/compute/virt); the
// conductor raises that same type for its own memory check, so that a
// caller tests for one type whichever service refused.

// InstanceInvalidState is nova's InstanceInvalidState: the instance is in
// a state the operation cannot start from (a live migration needs a
// running or paused guest, vm_state active or paused).
type InstanceInvalidState struct {
	InstanceUUID string `msgpack:"instance_uuid"`
	// Attr is the attribute that is wrong: "vm_state", "power_state" or
	// "task_state".
	Attr   string `msgpack:"attr"`
	State  string `msgpack:"state"`
	Method string `msgpack:"method"`
}

func (e *InstanceInvalidState) Error() string {
	return fmt.Sprintf("Instance %s in %s %s. Cannot %s while the instance is in this state.", e.InstanceUUID, e.Attr, e.State, e.Method)
}

// ComputeServiceUnavailable is nova's ComputeServiceUnavailable: the
// host's nova-compute is not up (its state reports stopped for longer
// than service_down_time, an operator forced it down) or does not exist.
type ComputeServiceUnavailable struct {
	Host string `msgpack:"host"`
}

func (e *ComputeServiceUnavailable) Error() string {
	return fmt.Sprintf("Compute service of %s is unavailable at this time.", e.Host)
}

// UnableToMigrateToSelf is nova's UnableToMigrateToSelf: the requested
// destination is the instance's own host.
type UnableToMigrateToSelf struct {
	InstanceUUID string `msgpack:"instance_id"`
	Host         string `msgpack:"host"`
}

func (e *UnableToMigrateToSelf) Error() string {
	return fmt.Sprintf("Unable to migrate instance (%s) to current host (%s).", e.InstanceUUID, e.Host)
}

// InvalidHypervisorType is nova's InvalidHypervisorType: source and
// destination run different hypervisors, between which no guest moves
// live. Nova's message names neither; ours names both, since an operator
// has to find out which host is the odd one.
type InvalidHypervisorType struct {
	Source     string `msgpack:"source_type"`
	SourceHost string `msgpack:"source_host"`
	Dest       string `msgpack:"dest_type"`
	DestHost   string `msgpack:"dest_host"`
}

func (e *InvalidHypervisorType) Error() string {
	return fmt.Sprintf("The supplied hypervisor type of %s (%s) is invalid: the source %s runs %s.", e.DestHost, e.Dest, e.SourceHost, e.Source)
}

// DestinationHypervisorTooOld is nova's DestinationHypervisorTooOld: the
// destination's hypervisor is older than the source's, and a guest
// started on a newer one may use what the older one lacks. Versions are
// nova's integer encoding (1.2.3 is 1002003).
type DestinationHypervisorTooOld struct {
	SourceHost    string `msgpack:"source_host"`
	SourceVersion int    `msgpack:"source_version"`
	DestHost      string `msgpack:"dest_host"`
	DestVersion   int    `msgpack:"dest_version"`
}

func (e *DestinationHypervisorTooOld) Error() string {
	return fmt.Sprintf("The instance requires a newer hypervisor version than has been provided: destination %s runs %d, older than the source %s's %d.",
		e.DestHost, e.DestVersion, e.SourceHost, e.SourceVersion)
}

// MaxRetriesExceeded is nova's MaxRetriesExceeded, a NoValidHost: every
// destination the scheduler offered failed its checks and
// migrate_max_retries allows no further one. errors.As finds the
// *NoValidHost in it too, as nova's except NoValidHost catches it.
type MaxRetriesExceeded struct {
	NoValidHost `msgpack:"no_valid_host"`
}

func (e *MaxRetriesExceeded) Error() string { return e.Reason }

func (e *MaxRetriesExceeded) Unwrap() error { return &e.NoValidHost }

// MigrationSchedulerRPCError is nova's MigrationSchedulerRPCError: asking
// the scheduler for a destination failed for another reason than
// NoValidHost (no scheduler running, a timeout, a scheduler that died).
type MigrationSchedulerRPCError struct {
	Reason string `msgpack:"reason"`
}

func (e *MigrationSchedulerRPCError) Error() string {
	return "Migration select destinations error: " + e.Reason
}

func init() {
	rpc.RegisterError[*InstanceInvalidState]("InstanceInvalidState")
	rpc.RegisterError[*ComputeServiceUnavailable]("ComputeServiceUnavailable")
	rpc.RegisterError[*UnableToMigrateToSelf]("UnableToMigrateToSelf")
	rpc.RegisterError[*InvalidHypervisorType]("InvalidHypervisorType")
	rpc.RegisterError[*DestinationHypervisorTooOld]("DestinationHypervisorTooOld")
	rpc.RegisterError[*MaxRetriesExceeded]("MaxRetriesExceeded")
	rpc.RegisterError[*MigrationSchedulerRPCError]("MigrationSchedulerRPCError")
}
