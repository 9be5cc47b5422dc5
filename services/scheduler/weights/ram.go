package weights

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// RAMWeigher weighs hosts by free RAM (nova's RAMWeigher, weighing
// free_ram_mb). With the default multiplier 1.0 the host with the most free
// RAM wins, spreading instances; a negative ram_weight_multiplier stacks
// them on the fullest host that still fits.
type RAMWeigher struct {
	M float64 // ram_weight_multiplier
}

func (RAMWeigher) Name() string          { return "RAMWeigher" }
func (w RAMWeigher) Multiplier() float64 { return w.M }

func (RAMWeigher) Weigh(h *hoststate.HostState, _ *objects.RequestSpec) float64 {
	return float64(h.FreeRAMMB)
}
