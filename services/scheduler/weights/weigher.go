package weights

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// Weigher is one of nova's host weighers (BaseHostWeigher).
type Weigher interface {
	// Name is the name operators select the weigher by, nova's class
	// name (e.g. "RAMWeigher").
	Name() string
	// Weigh returns host's raw weight for spec; higher is better before
	// the multiplier is applied (nova's _weigh_object).
	Weigh(host *hoststate.HostState, spec *objects.RequestSpec) float64
	// Multiplier scales the weigher's normalized weights (nova's
	// weight_multiplier, e.g. ram_weight_multiplier).
	Multiplier() float64
}

// Bounds fixes the range a weigher's raw weights are clamped to and
// normalized over (nova's minval / maxval); nil ends use the smallest or
// largest weight among the hosts.
type Bounds struct {
	Min, Max *float64
}

// Bounded is implemented by weighers with fixed Bounds.
type Bounded interface {
	Bounds() Bounds
}
