// Package scheduler is nova-scheduler: it answers select_destinations with
// the hosts that can take each instance of a request, having claimed the
// resources on the chosen host in pkg/placement.
//
// The choice is nova's filter scheduler: host states from the compute
// nodes and their services (up per the service group, disabled by an
// operator) with each node's usage as placement sees it, narrowed by the
// request's own constraints and the enabled filters (subpackage filters),
// ranked by the weighers (subpackage weights). The best host is then
// claimed: a compare-and-swap on the node's placement record, so that two
// schedulers picking the same host at the same moment cannot both get its
// last room. A claim that fails moves on to the next host by weight, as
// nova does when placement refuses a claim. When no host is left, the
// answer is NoValidHost, whose reason carries the filter results.
//
// Any number of schedulers serve the topic at once (a queue group). The
// manager keeps no host state between requests: every request reads the
// records afresh, and placement is the only arbiter of capacity.
//
// Files: rpcapi.go (the method table, wire types and typed client),
// manager.go (the handler), schedule.go (filter, weigh, claim,
// alternates), claims.go (what a request asks of placement),
// host_manager.go (host states from the store and placement), config.go
// (options under nova's names), service.go (the process).
package scheduler
