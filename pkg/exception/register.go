package exception

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
)

func init() {
	rpc.RegisterError[*InstanceNotFound]("InstanceNotFound")
	rpc.RegisterError[*MigrationNotFound]("MigrationNotFound")
	rpc.RegisterError[*ComputeHostNotFound]("ComputeHostNotFound")
	rpc.RegisterError[*ComputeNodeNotFound]("ComputeNodeNotFound")
	rpc.RegisterError[*HostBinaryNotFound]("HostBinaryNotFound")
	rpc.RegisterError[*InstanceActionNotFound]("InstanceActionNotFound")
	rpc.RegisterError[*InstanceActionEventNotFound]("InstanceActionEventNotFound")
	rpc.RegisterError[*UnexpectedTaskState]("UnexpectedTaskStateError")
	rpc.RegisterError[*UnexpectedDeletingTaskState]("UnexpectedDeletingTaskStateError")
	rpc.RegisterError[*ObjectActionError]("ObjectActionError")
	// pkg/objects does not depend on pkg/rpc, so its one error that a
	// caller must recognise across the wire (to ask for a backport) is
	// registered here, under oslo's name.
	rpc.RegisterError[*objects.IncompatibleObjectVersion]("IncompatibleObjectVersion")
}
