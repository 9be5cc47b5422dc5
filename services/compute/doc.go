// Package compute is nova-compute: it runs the guests of one host through
// a virt driver and keeps their records (and the host's) right, through
// the conductor, for it has no store and no JetStream access.
//
// Files, after nova's compute/manager.py and friends:
//
//   - rpcapi.go: the method table (build_and_run_instance,
//     terminate_instance, get_instance_diagnostics; live migration next)
//     and the typed client other services use.
//   - manager.go: the Manager, its handler registration, argument checks.
//   - build.go: build_and_run_instance (claim, spawning, spawn, active; on
//     failure ERROR with a fault and the placement claim released).
//   - terminate.go: terminate_instance (_delete_instance,
//     _complete_deletion).
//   - init_host.go, init_instance.go: what a start does (service record,
//     recovery of instances the previous run left mid-operation, the
//     ComputeNode and its inventory).
//   - resource_tracker.go: usage counted from the instances on the node,
//     the ComputeNode record, the inventory reported to placement.
//   - instance_event.go, instance_fault.go: InstanceActionEvents around
//     each step (nova's wrap_instance_event) and faults and ERROR.
//   - instance_lock.go, inflight.go: one operation per instance at a time;
//     builds off the RPC workers, waited for on stop.
//   - periodic.go, service.go: periodic tasks, and the process (RPC
//     server, state reports, graceful stop).
//   - config.go: the options, by nova's names.
//
// Every state change an operation makes is saved through the conductor
// with nova's expected task states, so a compute that races another
// operation on an instance (a delete during a build) finds out and stops
// instead of overwriting it.
package compute
