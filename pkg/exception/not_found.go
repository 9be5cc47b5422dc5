package exception

import (
	"errors"
	"fmt"
)

// ErrNotFound matches every "not found" error of this package with
// errors.Is, like catching nova's NotFound base class. It holds on the far
// side of an RPC too, since the rebuilt error is the typed one.
var ErrNotFound = errors.New("not found")

// notFound is embedded by the not-found errors for their Is method.
type notFound struct{}

func (notFound) Is(target error) bool { return target == ErrNotFound }

// InstanceNotFound is nova's InstanceNotFound.
type InstanceNotFound struct {
	notFound
	InstanceID string `msgpack:"instance_id"`
}

func (e *InstanceNotFound) Error() string {
	return fmt.Sprintf("Instance %s could not be found.", e.InstanceID)
}

// MigrationNotFound is nova's MigrationNotFound; MigrationID is the id or,
// for a look-up by uuid, the uuid.
type MigrationNotFound struct {
	notFound
	MigrationID string `msgpack:"migration_id"`
}

func (e *MigrationNotFound) Error() string {
	return fmt.Sprintf("Migration %s could not be found.", e.MigrationID)
}

// ComputeHostNotFound is nova's ComputeHostNotFound: no compute node on host.
type ComputeHostNotFound struct {
	notFound
	Host string `msgpack:"host"`
}

func (e *ComputeHostNotFound) Error() string {
	return fmt.Sprintf("Compute host %s could not be found.", e.Host)
}

// ComputeNodeNotFound is nova's ComputeHostNotFound for a node looked up by
// its uuid or by host and nodename (nova's ComputeNodeNotFoundByUUID and
// ComputeHostNotFound), under one name.
type ComputeNodeNotFound struct {
	notFound
	ComputeID string `msgpack:"compute_id"`
}

func (e *ComputeNodeNotFound) Error() string {
	return fmt.Sprintf("Compute node %s could not be found.", e.ComputeID)
}

// HostBinaryNotFound is nova's HostBinaryNotFound: no service of that binary
// on that host.
type HostBinaryNotFound struct {
	notFound
	Host   string `msgpack:"host"`
	Binary string `msgpack:"binary"`
}

func (e *HostBinaryNotFound) Error() string {
	return fmt.Sprintf("Could not find binary %s on host %s.", e.Binary, e.Host)
}

// InstanceActionNotFound is nova's InstanceActionNotFound.
type InstanceActionNotFound struct {
	notFound
	RequestID    string `msgpack:"request_id"`
	InstanceUUID string `msgpack:"instance_uuid"`
}

func (e *InstanceActionNotFound) Error() string {
	return fmt.Sprintf("Action for request_id %s on instance %s not found", e.RequestID, e.InstanceUUID)
}

// InstanceActionEventNotFound is nova's InstanceActionEventNotFound.
type InstanceActionEventNotFound struct {
	notFound
	ActionID int    `msgpack:"action_id"`
	Event    string `msgpack:"event"`
}

func (e *InstanceActionEventNotFound) Error() string {
	return fmt.Sprintf("Event %s not found for action id %d", e.Event, e.ActionID)
}
