package hoststate

import (
	"fmt"
	"math"
)

// nova's defaults for the allocation ratio options (cpu_allocation_ratio,
// ram_allocation_ratio, disk_allocation_ratio, later initial_*_ratio): a
// vCPU may be oversubscribed 16 times, memory 1.5 times, disk not at all.
const (
	DefaultCPUAllocationRatio  = 16.0
	DefaultRAMAllocationRatio  = 1.5
	DefaultDiskAllocationRatio = 1.0
)

// AllocationRatios are how far each resource may be oversubscribed: the
// usable amount is the physical total times the ratio.
type AllocationRatios struct {
	CPU  float64
	RAM  float64
	Disk float64
}

// DefaultAllocationRatios returns nova's defaults.
func DefaultAllocationRatios() AllocationRatios {
	return AllocationRatios{
		CPU:  DefaultCPUAllocationRatio,
		RAM:  DefaultRAMAllocationRatio,
		Disk: DefaultDiskAllocationRatio,
	}
}

// Validate rejects ratios no operator can mean: negative, NaN or infinite.
// Zero is allowed because nova reads 0.0 as "not set, use the default"
// (see resolve).
func (r AllocationRatios) Validate() error {
	for _, c := range []struct {
		name string
		v    float64
	}{
		{"cpu_allocation_ratio", r.CPU},
		{"ram_allocation_ratio", r.RAM},
		{"disk_allocation_ratio", r.Disk},
	} {
		if err := checkRatio(c.name, c.v); err != nil {
			return err
		}
	}
	return nil
}

func checkRatio(name string, v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("%s %v is not a finite number", name, v)
	case v < 0:
		return fmt.Errorf("%s %v is negative", name, v)
	}
	return nil
}

// resolve picks the ratio that applies to a node: the node's own when it
// reported one, else the scheduler's default. nova's ComputeNode treats a
// ratio of 0.0 (or none) the same way: the compute did not set one, so the
// configured/initial ratio applies. A default that is itself 0 would make
// every host full, so it falls back to nova's built-in default.
func resolve(node, def, builtin float64) float64 {
	if node > 0 {
		return node
	}
	if def > 0 {
		return def
	}
	return builtin
}
