package weights

import (
	"math"
	"slices"
	"testing"

	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// novaTotals recomputes nova's weighing independently of Weigh: per
// weigher, raw = its resource, clamped; normalized = (raw - min) / (max -
// min), or 0 when all equal; total += multiplier * normalized.
func novaTotals(hosts []*hoststate.HostState, o Options) map[string]float64 {
	type weigher struct {
		m     float64
		raw   func(*hoststate.HostState) float64
		floor *float64
	}
	ws := []weigher{
		{o.RAMWeightMultiplier, func(h *hoststate.HostState) float64 { return float64(h.FreeRAMMB) }, nil},
		{o.CPUWeightMultiplier, func(h *hoststate.HostState) float64 {
			return float64(h.VCPUsTotal)*h.CPUAllocationRatio - float64(h.VCPUsUsed)
		}, f(0)},
		{o.DiskWeightMultiplier, func(h *hoststate.HostState) float64 { return float64(h.FreeDiskMB) }, nil},
		{o.NumInstancesWeightMultiplier, func(h *hoststate.HostState) float64 { return float64(h.NumInstances) }, nil},
	}
	totals := map[string]float64{}
	for _, w := range ws {
		raws := make([]float64, len(hosts))
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, h := range hosts {
			raws[i] = w.raw(h)
			if w.floor != nil && raws[i] < *w.floor {
				raws[i] = *w.floor
			}
			lo, hi = math.Min(lo, raws[i]), math.Max(hi, raws[i])
		}
		if w.floor != nil {
			lo = *w.floor
		}
		for i, h := range hosts {
			n := 0.0
			if hi != lo {
				n = (raws[i] - lo) / (hi - lo)
			}
			totals[h.Host] += w.m * n
		}
	}
	return totals
}

func cluster() []*hoststate.HostState {
	return []*hoststate.HostState{
		//   name  freeRAM vcpus used freeDisk  instances
		host("a", 8192, 8, 100, 400*1024, 10),
		host("b", 24576, 8, 20, 100*1024, 2),
		host("c", 16384, 16, 140, 900*1024, 5),
		host("d", 2048, 4, 70, 50*1024, 1), // past its vCPU ceiling: clamped to 0
	}
}

func TestWeighMatchesNovaFormula(t *testing.T) {
	optionSets := map[string]Options{
		"defaults":         DefaultOptions(),
		"stack on ram":     {RAMWeightMultiplier: -1},
		"mixed":            {RAMWeightMultiplier: 2, CPUWeightMultiplier: -0.5, DiskWeightMultiplier: 1.5, NumInstancesWeightMultiplier: -1},
		"instances only":   {NumInstancesWeightMultiplier: 3},
		"all switched off": {},
	}
	for name, o := range optionSets {
		t.Run(name, func(t *testing.T) {
			ws, err := New(DefaultWeightClasses(), o)
			if err != nil {
				t.Fatal(err)
			}
			hosts := cluster()
			want := novaTotals(hosts, o)
			got := Weigh(ws, hosts, nil)
			if len(got) != len(hosts) {
				t.Fatalf("got %d hosts, want %d", len(got), len(hosts))
			}
			for i, w := range got {
				if math.Abs(w.Weight-want[w.Host.Host]) > 1e-12 {
					t.Errorf("%s weight %v, want %v", w.Host.Host, w.Weight, want[w.Host.Host])
				}
				if i > 0 && got[i-1].Weight < w.Weight {
					t.Errorf("not sorted best first: %s (%v) before %s (%v)",
						got[i-1].Host.Host, got[i-1].Weight, w.Host.Host, w.Weight)
				}
			}
		})
	}
}

func TestRAMSpreadVersusStack(t *testing.T) {
	hosts := []*hoststate.HostState{
		host("low", 1024, 8, 0, 0, 0),
		host("high", 30000, 8, 0, 0, 0),
		host("mid", 9000, 8, 0, 0, 0),
	}
	spread := Weigh([]Weigher{RAMWeigher{M: 1}}, hosts, nil)
	if got := hostNames(spread); !slices.Equal(got, []string{"high", "mid", "low"}) {
		t.Errorf("spread order %v, want most free RAM first", got)
	}
	// (9000-1024)/(30000-1024): the middle host's normalized weight.
	if want := (9000.0 - 1024) / (30000 - 1024); math.Abs(spread[1].Weight-want) > 1e-12 {
		t.Errorf("mid weight %v, want %v", spread[1].Weight, want)
	}
	stack := Weigh([]Weigher{RAMWeigher{M: -1}}, hosts, nil)
	if got := hostNames(stack); !slices.Equal(got, []string{"low", "mid", "high"}) {
		t.Errorf("stack order %v, want least free RAM first", got)
	}
	if stack[0].Weight != 0 || stack[2].Weight != -1 {
		t.Errorf("stack weights %v, %v: want 0 for the fullest, -1 for the emptiest", stack[0].Weight, stack[2].Weight)
	}
}

func TestCPUWeigherClampsAtZero(t *testing.T) {
	over := host("over", 0, 1, 40, 0, 0) // 1*16-40 = -24 free vcpus
	full := host("full", 0, 1, 16, 0, 0) // 0 free
	free := host("free", 0, 1, 8, 0, 0)  // 8 free
	got := Weigh([]Weigher{CPUWeigher{M: 1}}, []*hoststate.HostState{over, full, free}, nil)
	weights := map[string]float64{}
	for _, w := range got {
		weights[w.Host.Host] = w.Weight
	}
	if weights["over"] != 0 || weights["full"] != 0 || weights["free"] != 1 {
		t.Errorf("weights %v: past-ceiling and full hosts should both be 0, free 1", weights)
	}
	// Normalized over [0, 8], not [-24, 8]: without the clamp "full"
	// would get 24/32.
}

func TestWeighTieBreaksByHostThenNode(t *testing.T) {
	mk := func(h, n string) *hoststate.HostState {
		s := host(h, 4096, 8, 0, 1024, 0)
		s.Nodename = n
		return s
	}
	base := []*hoststate.HostState{mk("b", "n1"), mk("a", "n2"), mk("c", "n1"), mk("a", "n1")}
	want := []string{"a/n1", "a/n2", "b/n1", "c/n1"}
	perms := [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}, {1, 3, 0, 2}}
	ws, _ := New(DefaultWeightClasses(), DefaultOptions())
	for _, p := range perms {
		in := make([]*hoststate.HostState, len(p))
		for i, j := range p {
			in[i] = base[j]
		}
		var got []string
		for _, w := range Weigh(ws, in, nil) {
			got = append(got, w.Host.Host+"/"+w.Host.Nodename)
		}
		if !slices.Equal(got, want) {
			t.Errorf("input order %v: got %v, want %v", p, got, want)
		}
	}
}

func TestWeighSingleHostIsNotWeighed(t *testing.T) {
	// CPUWeigher is the case that shows it: with its fixed minimum 0, a
	// lone host with free vCPUs would normalize to 1 if it were weighed.
	got := Weigh([]Weigher{RAMWeigher{M: 5}, CPUWeigher{M: 2}}, []*hoststate.HostState{host("only", 4096, 8, 0, 0, 0)}, nil)
	if len(got) != 1 || got[0].Weight != 0 {
		t.Errorf("single host: %+v, want weight 0", got)
	}
	if got := Weigh([]Weigher{RAMWeigher{M: 1}}, nil, nil); len(got) != 0 {
		t.Errorf("no hosts: %+v", got)
	}
}

func TestHosts(t *testing.T) {
	hs := cluster()
	got := Hosts(Weigh([]Weigher{DiskWeigher{M: 1}}, hs, nil))
	// Disk spread: c (900G), a (400G), b (100G), d (50G).
	var names []string
	for _, h := range got {
		names = append(names, h.Host)
	}
	if !slices.Equal(names, []string{"c", "a", "b", "d"}) {
		t.Errorf("Hosts() = %v", names)
	}
}
