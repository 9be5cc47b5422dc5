package weights

import (
	"cmp"
	"slices"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// WeighedHost is a host with its total weight (nova's WeighedHost).
type WeighedHost struct {
	Host   *hoststate.HostState
	Weight float64
}

// Weigh scores hosts for spec with each weigher and returns them best
// first, as nova's get_weighed_objects: per weigher, raw weights are
// clamped to its Bounds, normalized over the hosts, multiplied by its
// multiplier and added to the host's total.
//
// Equal totals are ordered by host name, then node name, so a given set of
// hosts always comes out in the same order (nova leaves ties in whatever
// order its host map yielded). A single host is not weighed: it gets 0, as
// in nova, since there is nothing to compare it with.
func Weigh(ws []Weigher, hosts []*hoststate.HostState, spec *objects.RequestSpec) []WeighedHost {
	out := make([]WeighedHost, len(hosts))
	for i, h := range hosts {
		out[i] = WeighedHost{Host: h}
	}
	if len(out) > 1 {
		raw := make([]float64, len(out))
		for _, w := range ws {
			var b Bounds
			if bw, ok := w.(Bounded); ok {
				b = bw.Bounds()
			}
			for i, wh := range out {
				raw[i] = clamp(w.Weigh(wh.Host, spec), b)
			}
			m := w.Multiplier()
			for i, n := range Normalize(raw, b.Min, b.Max) {
				out[i].Weight += m * n
			}
		}
	}
	slices.SortStableFunc(out, func(a, b WeighedHost) int {
		if c := cmp.Compare(b.Weight, a.Weight); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Host.Host, b.Host.Host); c != 0 {
			return c
		}
		return cmp.Compare(a.Host.Nodename, b.Host.Nodename)
	})
	return out
}

// clamp keeps a raw weight within the weigher's bounds, as nova's
// weigh_objects does ("don't let the weight go beyond the defined max/min").
func clamp(w float64, b Bounds) float64 {
	if b.Min != nil {
		w = max(w, *b.Min)
	}
	if b.Max != nil {
		w = min(w, *b.Max)
	}
	return w
}

// Hosts strips the weights, best first.
func Hosts(weighed []WeighedHost) []*hoststate.HostState {
	out := make([]*hoststate.HostState, len(weighed))
	for i, w := range weighed {
		out[i] = w.Host
	}
	return out
}
