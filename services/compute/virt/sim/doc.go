// Package sim is a simulated hypervisor implementing virt.Driver, so the
// compute service, the conductor and the end-to-end tests can run nova's
// flows — live migration above all — without libvirt or real guests.
//
// Guests live in memory with their size, power state and a memory dirty
// rate. Live migration is modelled honestly rather than faked:
//
//   - block migration first copies the local disks at link speed;
//   - pre-copy pass 1 sends all guest memory at link bandwidth; each next
//     pass sends what the guest dirtied during the previous one (dirty rate
//     × pass time, capped at the guest's memory, or at its working set if
//     SetWorkingSet gave one);
//   - a pass converges when what it leaves dirty can be sent within the
//     current max downtime; the guest then stops for that last copy;
//   - nova's monitor loop runs every MonitorInterval of clock time: it
//     raises the max downtime along nova's downtime steps, enforces
//     live_migration_completion_timeout with live_migration_timeout_action,
//     and applies force-complete (post-copy if permitted, else pause);
//   - post-copy moves the guest to the destination at once and pulls the
//     rest of memory; auto-converge throttles the guest's CPU like QEMU
//     (20 %, then +10 % per non-converging pass, at most 99 %).
//
// Time is a Clock: the wall clock, an AcceleratedClock (speed 1000 makes
// nova's 75 s downtime delay last 75 ms) or a StepClock for deterministic
// tests.
//
// Hosts that can migrate to each other share a Fabric: both drivers live in
// the same process, which is what the end-to-end tests need. Faults —
// destination pre_live_migration failure, migration link drop, source guest
// process death, a host leaving the fabric — are injected with methods on
// the Driver (faults.go).
package sim
