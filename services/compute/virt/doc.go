// Package virt defines the contract between the compute manager and a
// hypervisor driver, modelled on nova's nova/virt/driver.py ComputeDriver.
//
// The compute manager owns the workflow (which host does what, when, and
// which migration status is recorded); a Driver only knows how to run guests
// on one host and how to move one guest to another host. Keeping the types
// here plain Go structs (no RPC or database objects) lets any driver — the
// simulated one in virt/sim today, a libvirt one later — be used by the
// manager without depending on pkg/objects.
//
// migration.go holds nova's live-migration policy (downtime steps,
// completion timeout, post-copy and auto-converge rules) as pure functions,
// so every driver applies exactly the same rules as nova's libvirt driver.
package virt
