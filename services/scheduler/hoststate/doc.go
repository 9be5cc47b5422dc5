// Package hoststate is the scheduler's working view of one compute node,
// after nova's nova/scheduler/host_manager.py HostState.
//
// A HostState is built from the ComputeNode record the compute service
// reports plus what the caller knows about the node's nova-compute service
// (up per the service group, disabled by an operator) and its availability
// zone. Filters read it, and the resource filters record the oversubscription
// limits they computed on it (nova's host_state.limits) so the compute's
// claim can enforce the same ceilings. When one request places several
// instances, ConsumeFromRequest subtracts each placed instance so the next
// pass of the filters sees the host as fuller, as nova's
// consume_from_request does.
//
// The arithmetic is nova's, written out in usage.go: a resource's ceiling
// is total × allocation ratio, what is used is total − free, and what is
// left for a new instance is ceiling − used.
//
// A HostState is a plain mutable struct and is not safe for concurrent use;
// a scheduler serving requests in parallel gives each request its own Clone.
package hoststate
