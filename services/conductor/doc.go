// Package conductor is nova-conductor: the only service that touches the
// store on behalf of computes, and (in later parts) the orchestrator of
// live migration through its compute_task API.
//
// This part serves nova's object indirection API. A compute has no store
// and no JetStream access at all; where nova's compute calls
// instance.save(), ours calls Indirection.SaveInstance, which sends the
// object to any conductor with object_action, and the conductor saves it in
// the store and sends the stored record back. Look-ups go through
// object_class_action_versions, and a receiver that gets an object newer
// than it can read asks object_backport_versions for an older form of it.
//
// Files: rpcapi.go (the method table, wire types and typed client),
// manager.go (handlers), object_action.go and class_action.go (what each
// object method does), indirection.go (the compute-side helper),
// service.go (the process: RPC server, service record, state reports).
package conductor
