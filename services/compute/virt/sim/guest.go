package sim

import "github.com/novanats/novanats/services/compute/virt"

// guest is one simulated domain. All fields are guarded by Driver.mu.
type guest struct {
	spec  virt.GuestSpec // DirtyRateMiBps already defaulted
	power virt.PowerState
	// workingSetMiB bounds how much memory the workload keeps re-dirtying
	// (its writable working set); 0 means all of it.
	workingSetMiB float64

	// migrating: an outgoing live migration runs; it owns power changes.
	migrating bool
	// incoming: created by PreLiveMigration; the guest is not fully here
	// until the source finishes the migration. libvirt shows such a domain
	// paused; after a post-copy switch it runs while pages still arrive.
	incoming bool
	// activated: post-copy made this incoming guest the running one.
	activated bool
}

func (g *guest) info() GuestInfo {
	return GuestInfo{Spec: g.spec, Power: g.power, WorkingSetMiB: g.workingSetMiB, Incoming: g.incoming, Migrating: g.migrating}
}
