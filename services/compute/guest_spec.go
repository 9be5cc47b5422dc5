package compute

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute/virt"
)

// GuestSpecOf is the guest the driver runs for inst (its flavor's sizes),
// for code outside the manager that must recreate guests, such as the dev
// cloud bringing its simulated hypervisors back after a restart.
func GuestSpecOf(inst *objects.Instance) (virt.GuestSpec, error) { return guestSpecOf(inst) }
