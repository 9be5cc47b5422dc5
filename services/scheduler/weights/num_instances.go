package weights

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// NumInstancesWeigher weighs hosts by how many instances they run (nova's
// NumInstancesWeigher). The raw weight grows with the count, so a positive
// num_instances_weight_multiplier packs hosts and a negative one spreads
// instances by count; nova's default 0.0 leaves it inert.
type NumInstancesWeigher struct {
	M float64 // num_instances_weight_multiplier
}

func (NumInstancesWeigher) Name() string          { return "NumInstancesWeigher" }
func (w NumInstancesWeigher) Multiplier() float64 { return w.M }

func (NumInstancesWeigher) Weigh(h *hoststate.HostState, _ *objects.RequestSpec) float64 {
	return float64(h.NumInstances)
}
