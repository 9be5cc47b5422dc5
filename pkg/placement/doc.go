// Package placement keeps what nova's placement service keeps for compute
// nodes, on pkg/db: each node's inventory (totals, reserved amounts,
// allocation ratios) and the allocations consumers hold against it. The
// scheduler claims resources here when it picks a host, so two schedulers
// choosing at the same time can never both take the last room on a node.
//
// # Resource providers and generations
//
// A compute node is a resource provider, named by its host and
// hypervisor_hostname (Node). Its record holds the inventory of the three
// resource classes nova's compute reports (VCPU, MEMORY_MB, DISK_GB) and
// the allocations by consumer. The record's pkg/db revision is placement's
// resource provider generation: every change to inventory or allocations
// is a compare-and-swap on it, and a writer that lost the race re-reads the
// record and decides again (a claim that fitted before may not fit now).
//
// # Capacity
//
// The arithmetic is placement's, per resource class:
//
//	capacity = (total - reserved) × allocation_ratio
//	a claim of amount fits if used + amount <= capacity and amount <= total
//
// The second condition is placement's max_unit, which nova's compute sets
// to the total: one instance may be oversubscribed against others, never
// against itself.
//
// # Consumers
//
// A consumer is an instance uuid, or during a move a migration uuid, as
// nova does since Queens: before scheduling a live migration the conductor
// moves the instance's allocation on the source node to the migration
// (Move), so the instance consumer is free to claim on the destination.
// On success the migration's allocation on the source is released; on
// failure the destination claim is released and the source allocation is
// moved back to the instance.
//
// A consumer holds at most one allocation per node. Claiming again for a
// consumer that already holds one on the node replaces it, as a PUT of a
// consumer's allocations does in placement: the capacity check leaves the
// consumer's old amounts out, so a retried claim is not counted twice.
//
// # Storage
//
// One bucket (Bucket), one record per node, keyed by host and node name.
// Every change is a single compare-and-swap publish on that record. A
// consumer's allocations are found by scanning the records
// (ReleaseConsumer), which keeps the claim path free of the atomic
// batches an index would need.
package placement
