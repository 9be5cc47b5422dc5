package weights

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// AllWeighers is the weight_classes entry that selects every weigher, as
// nova's default "nova.scheduler.weights.all_weighers".
const AllWeighers = "all_weighers"

// Options are the weighers' multipliers, named after nova's options. Start
// from DefaultOptions: a zero Options switches every weigher off.
type Options struct {
	RAMWeightMultiplier          float64
	CPUWeightMultiplier          float64
	DiskWeightMultiplier         float64
	NumInstancesWeightMultiplier float64
}

// DefaultOptions returns nova's defaults: spread by free RAM, vCPUs and
// disk equally; instance count not considered.
func DefaultOptions() Options {
	return Options{
		RAMWeightMultiplier:          1.0,
		CPUWeightMultiplier:          1.0,
		DiskWeightMultiplier:         1.0,
		NumInstancesWeightMultiplier: 0.0,
	}
}

// Validate rejects multipliers that would poison every total: NaN and
// infinities. Any finite value, negative included, is a valid policy.
func (o Options) Validate() error {
	for _, m := range []struct {
		name string
		v    float64
	}{
		{"ram_weight_multiplier", o.RAMWeightMultiplier},
		{"cpu_weight_multiplier", o.CPUWeightMultiplier},
		{"disk_weight_multiplier", o.DiskWeightMultiplier},
		{"num_instances_weight_multiplier", o.NumInstancesWeightMultiplier},
	} {
		if math.IsNaN(m.v) || math.IsInf(m.v, 0) {
			return fmt.Errorf("%s %v is not a finite number", m.name, m.v)
		}
	}
	return nil
}

// order is the order AllWeighers builds them in; the sum does not depend
// on it, but a fixed order keeps float addition reproducible.
var order = []string{"RAMWeigher", "CPUWeigher", "DiskWeigher", "NumInstancesWeigher"}

var builders = map[string]func(Options) Weigher{
	"RAMWeigher":          func(o Options) Weigher { return RAMWeigher{M: o.RAMWeightMultiplier} },
	"CPUWeigher":          func(o Options) Weigher { return CPUWeigher{M: o.CPUWeightMultiplier} },
	"DiskWeigher":         func(o Options) Weigher { return DiskWeigher{M: o.DiskWeightMultiplier} },
	"NumInstancesWeigher": func(o Options) Weigher { return NumInstancesWeigher{M: o.NumInstancesWeightMultiplier} },
}

// DefaultWeightClasses is nova's weight_classes default: every weigher.
func DefaultWeightClasses() []string { return []string{AllWeighers} }

// Names lists the weighers New knows, sorted.
func Names() []string {
	names := slices.Clone(order)
	slices.Sort(names)
	return names
}

// UnknownWeigherError is returned by New for names it does not know.
type UnknownWeigherError struct {
	Names []string
}

func (e *UnknownWeigherError) Error() string {
	return fmt.Sprintf("scheduler weigher %s could not be found (weight_classes; available: %s, or %s)",
		strings.Join(e.Names, ", "), strings.Join(Names(), ", "), AllWeighers)
}

// New builds the weighers named (nova's weight_classes) with opts'
// multipliers. AllWeighers expands to every weigher. Unknown names are
// reported together; empty names, repeats and bad multipliers are errors
// naming them.
func New(names []string, opts Options) ([]Weigher, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	var expanded []string
	for _, raw := range names {
		name := strings.TrimSpace(raw)
		switch name {
		case "":
			return nil, fmt.Errorf("weight_classes has an empty weigher name in %q", names)
		case AllWeighers:
			expanded = append(expanded, order...)
		default:
			expanded = append(expanded, name)
		}
	}
	var unknown []string
	seen := map[string]bool{}
	ws := make([]Weigher, 0, len(expanded))
	for _, name := range expanded {
		if seen[name] {
			return nil, fmt.Errorf("weight_classes selects weigher %s twice", name)
		}
		seen[name] = true
		build, ok := builders[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		ws = append(ws, build(opts))
	}
	if len(unknown) > 0 {
		return nil, &UnknownWeigherError{Names: unknown}
	}
	return ws, nil
}
