// Package filters decides which hosts can take a request, after nova's
// filter scheduler (nova/scheduler/filters and the host selection in
// host_manager.get_filtered_hosts).
//
// Run first narrows the hosts by what the request names directly — a
// requested destination, ignore_hosts, force_hosts / force_nodes — as nova's
// HostManager does before any filter, then passes the rest through each
// enabled filter in order. It returns the survivors and a FilterReport that
// counts, per step, how many hosts went in and came out: the operator's
// answer to "why NoValidHost?".
//
// Filters are chosen by name with New, the way nova's enabled_filters option
// names filter classes; an unknown name is an error naming it. The resource
// filters (RamFilter, CoreFilter, DiskFilter) are the pre-placement nova
// ones, since novanats has no placement service: they apply the allocation
// ratios themselves and record the resulting limits on the host state.
package filters
