package weights

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// DiskWeigher weighs hosts by free local disk, free_disk_mb (nova's
// DiskWeigher); positive multipliers spread, negative stack.
type DiskWeigher struct {
	M float64 // disk_weight_multiplier
}

func (DiskWeigher) Name() string          { return "DiskWeigher" }
func (w DiskWeigher) Multiplier() float64 { return w.M }

func (DiskWeigher) Weigh(h *hoststate.HostState, _ *objects.RequestSpec) float64 {
	return float64(h.FreeDiskMB)
}
