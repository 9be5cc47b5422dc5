// Package weights ranks the hosts that passed the filters, after nova's
// nova/weights.py and nova/scheduler/weights.
//
// Each Weigher gives every host a raw weight (free RAM, free vCPUs, ...).
// Because those are in different units, nova normalizes each weigher's
// weights to 0..1 over the candidate hosts (the least gets 0, the most 1),
// multiplies them by the weigher's multiplier, and sums the products per
// host; the highest total wins. A positive multiplier spreads instances
// (prefer the emptiest host), a negative one stacks them (prefer the
// fullest), and its size sets how much that weigher counts against the
// others.
//
// Weigh sorts by total weight and breaks ties by host then node name, so
// the same input always gives the same order. Pick then applies nova's
// host_subset_size and shuffle_best_same_weighed_hosts, the optional
// randomness that keeps concurrent schedulers from all racing for the same
// best host; both are off by default.
package weights
