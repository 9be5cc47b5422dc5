package compute

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
)

// Topic is the compute's RPC topic. Every method is sent to one compute,
// on compute.<host>.
const Topic = "compute"

// APIVersion is the version of the compute's API (namespace ""), nova's
// ComputeAPI 6.x.
const APIVersion = "6.0"

// The compute's API: nova's compute/rpcapi.py, the methods this part
// implements. A caller writes API.BuildAndRunInstance(ctx, host, ...), the
// manager registers a handler for the same descriptor, and "find
// references" on a descriptor leads from one to the other.
var (
	// BuildAndRunInstance builds an instance the scheduler placed on
	// this host. A cast, as in nova: the build takes as long as the
	// hypervisor needs, and its outcome is the instance's vm_state and
	// the compute__do_build_and_run_instance action event.
	BuildAndRunInstance = rpc.DefineCast[BuildAndRunInstanceArgs](Topic, "", "build_and_run_instance", "6.0", false)
	// TerminateInstance deletes an instance from this host. A cast, as in
	// nova; the outcome is the record's deletion, or vm_state error.
	TerminateInstance = rpc.DefineCast[TerminateInstanceArgs](Topic, "", "terminate_instance", "6.0", false)
	// GetInstanceDiagnostics reports what the hypervisor says about one
	// of its guests (nova's `server diagnostics`): read-only.
	GetInstanceDiagnostics = rpc.DefineCall[GetInstanceDiagnosticsArgs, InstanceDiagnostics](Topic, "", "get_instance_diagnostics", "6.0")

	// Live migration, nova's sequence (the next part adds these here,
	// with their handlers in manager.go):
	//
	//   check_can_live_migrate_destination   call, on the destination
	//   check_can_live_migrate_source        call, on the source (from the destination)
	//   pre_live_migration                   call, on the destination (from the source)
	//   live_migration                       cast, on the source
	//   live_migration_abort                 cast, on the source
	//   live_migration_force_complete        cast, on the source
	//   post_live_migration_at_destination   call, on the destination
	//   rollback_live_migration_at_destination  cast, on the destination
)

// BuildAndRunInstanceArgs are build_and_run_instance's arguments. Nova's
// image, request_spec, filter_properties, networks and block devices have
// no counterpart yet: the simulated hypervisor boots from the flavor alone.
type BuildAndRunInstanceArgs struct {
	// Instance is the instance as the conductor created it (vm_state
	// building, task_state scheduling or null). It travels as a
	// primitive so that the compute decodes it itself and can ask the
	// conductor for a backport when it is newer than the compute reads.
	Instance objects.Primitive `msgpack:"instance"`
	// Node is the hypervisor node the scheduler picked (its
	// hypervisor_hostname); empty means this host's only node.
	Node string `msgpack:"node,omitempty"`
}

// TerminateInstanceArgs are terminate_instance's arguments (nova's bdms
// have no counterpart yet).
type TerminateInstanceArgs struct {
	Instance objects.Primitive `msgpack:"instance"`
}

// GetInstanceDiagnosticsArgs name the guest. Nova sends the whole
// instance; the uuid is all the hypervisor needs.
type GetInstanceDiagnosticsArgs struct {
	InstanceUUID string `msgpack:"instance_uuid"`
}

// InstanceDiagnostics is the subset of nova's Diagnostics object the
// virt driver can answer.
type InstanceDiagnostics struct {
	// State is the guest's power state by nova's name ("running").
	State string `msgpack:"state"`
	// Driver is the hypervisor type ("sim").
	Driver string `msgpack:"driver"`
	// HypervisorHostname is the node running the guest.
	HypervisorHostname string `msgpack:"hypervisor_hostname"`
}

// API is the typed client of the compute API. Every method takes the host
// it is for and sends to that compute alone, as nova's
// client.prepare(server=host).
type API struct {
	client *rpc.Client
}

// NewAPI returns a compute client on nc. Options are the rpc client's
// (Timeout, VersionCap, SubjectPrefix, WithMetrics, ...).
func NewAPI(nc *nats.Conn, opts ...rpc.ClientOption) (*API, error) {
	c, err := rpc.NewClient(nc, rpc.Target{Topic: Topic, Version: APIVersion}, opts...)
	if err != nil {
		return nil, err
	}
	return &API{client: c}, nil
}

// to prepares the client for one compute host.
func (a *API) to(host string) (*rpc.Client, error) {
	return a.client.Prepare(rpc.ToServer(host))
}

func instancePrimitive(method string, inst *objects.Instance) (objects.Primitive, error) {
	if inst == nil {
		return nil, fmt.Errorf("compute: %s: no instance", method)
	}
	p, err := inst.ToPrimitive()
	if err != nil {
		return nil, fmt.Errorf("compute: %s: %w", method, err)
	}
	return p, nil
}

// BuildAndRunInstance casts build_and_run_instance to host for inst on
// node ("" for the host's only node).
func (a *API) BuildAndRunInstance(ctx context.Context, host string, inst *objects.Instance, node string) error {
	c, err := a.to(host)
	if err != nil {
		return err
	}
	p, err := instancePrimitive(BuildAndRunInstance.Spec.Name, inst)
	if err != nil {
		return err
	}
	return BuildAndRunInstance.Cast(ctx, c, BuildAndRunInstanceArgs{Instance: p, Node: node})
}

// TerminateInstance casts terminate_instance to host, the compute running
// inst.
func (a *API) TerminateInstance(ctx context.Context, host string, inst *objects.Instance) error {
	c, err := a.to(host)
	if err != nil {
		return err
	}
	p, err := instancePrimitive(TerminateInstance.Spec.Name, inst)
	if err != nil {
		return err
	}
	return TerminateInstance.Cast(ctx, c, TerminateInstanceArgs{Instance: p})
}

// GetInstanceDiagnostics calls get_instance_diagnostics on host.
func (a *API) GetInstanceDiagnostics(ctx context.Context, host, instanceUUID string) (InstanceDiagnostics, error) {
	c, err := a.to(host)
	if err != nil {
		return InstanceDiagnostics{}, err
	}
	return GetInstanceDiagnostics.Invoke(ctx, c, GetInstanceDiagnosticsArgs{InstanceUUID: instanceUUID})
}
