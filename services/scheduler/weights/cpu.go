package weights

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// CPUWeigher weighs hosts by free vCPUs after oversubscription, vcpus ×
// cpu_allocation_ratio − vcpus_used (nova's CPUWeigher). Like nova it
// clamps at 0: hosts already past their vCPU ceiling are all equally bad.
type CPUWeigher struct {
	M float64 // cpu_weight_multiplier
}

func (CPUWeigher) Name() string          { return "CPUWeigher" }
func (w CPUWeigher) Multiplier() float64 { return w.M }

func (CPUWeigher) Weigh(h *hoststate.HostState, _ *objects.RequestSpec) float64 {
	return h.FreeVCPUs()
}

// Bounds is nova's CPUWeigher.minval = 0. A fresh pointer each call, so no
// caller can change the bound for everyone.
func (CPUWeigher) Bounds() Bounds {
	floor := 0.0
	return Bounds{Min: &floor}
}
