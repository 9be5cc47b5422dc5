package placement

import (
	"fmt"
	"math"
)

// Resource class names, placement's standard classes.
const (
	ClassVCPU     = "VCPU"
	ClassMemoryMB = "MEMORY_MB"
	ClassDiskGB   = "DISK_GB"
)

// Resources are amounts of the three resource classes nova's compute
// reports. They are used for inventory totals, reserved amounts,
// allocations and claims alike.
type Resources struct {
	VCPU     int `msgpack:"VCPU" json:"VCPU,omitempty"`
	MemoryMB int `msgpack:"MEMORY_MB" json:"MEMORY_MB,omitempty"`
	DiskGB   int `msgpack:"DISK_GB" json:"DISK_GB,omitempty"`
}

// Add returns r + o.
func (r Resources) Add(o Resources) Resources {
	return Resources{VCPU: r.VCPU + o.VCPU, MemoryMB: r.MemoryMB + o.MemoryMB, DiskGB: r.DiskGB + o.DiskGB}
}

// Sub returns r - o.
func (r Resources) Sub(o Resources) Resources {
	return Resources{VCPU: r.VCPU - o.VCPU, MemoryMB: r.MemoryMB - o.MemoryMB, DiskGB: r.DiskGB - o.DiskGB}
}

// IsZero says whether every amount is zero.
func (r Resources) IsZero() bool { return r == Resources{} }

// String prints the amounts by class name, placement's way of naming them.
func (r Resources) String() string {
	return fmt.Sprintf("VCPU=%d MEMORY_MB=%d DISK_GB=%d", r.VCPU, r.MemoryMB, r.DiskGB)
}

// classes lists the amounts with their class names, in a fixed order so
// that the first resource a claim fails on is always the same one.
func (r Resources) classes() [3]classAmount {
	return [3]classAmount{{ClassVCPU, r.VCPU}, {ClassMemoryMB, r.MemoryMB}, {ClassDiskGB, r.DiskGB}}
}

// of returns the amount of one class.
func (r Resources) of(class string) int {
	switch class {
	case ClassVCPU:
		return r.VCPU
	case ClassMemoryMB:
		return r.MemoryMB
	default:
		return r.DiskGB
	}
}

type classAmount struct {
	class  string
	amount int
}

func (r Resources) validate(what string) error {
	for _, c := range r.classes() {
		if c.amount < 0 {
			return fmt.Errorf("placement: %s: %s %d is negative", what, c.class, c.amount)
		}
	}
	return nil
}

// AllocationRatios are how far each class may be oversubscribed.
type AllocationRatios struct {
	VCPU     float64 `msgpack:"VCPU"`
	MemoryMB float64 `msgpack:"MEMORY_MB"`
	DiskGB   float64 `msgpack:"DISK_GB"`
}

func (a AllocationRatios) of(class string) float64 {
	switch class {
	case ClassVCPU:
		return a.VCPU
	case ClassMemoryMB:
		return a.MemoryMB
	default:
		return a.DiskGB
	}
}

// Inventory is what a compute node offers, as its compute service reports
// it: physical totals, the amounts reserved for the host itself (nova's
// reserved_host_cpus, reserved_host_memory_mb, reserved_host_disk_mb), and
// the allocation ratios in force on it.
type Inventory struct {
	Total    Resources        `msgpack:"total"`
	Reserved Resources        `msgpack:"reserved"`
	Ratios   AllocationRatios `msgpack:"allocation_ratio"`
}

// Validate rejects an inventory placement would refuse: negative amounts,
// and ratios that are not positive finite numbers (placement requires
// allocation_ratio > 0; the "0 means the default" convention of nova's
// options is resolved before the inventory is set, see
// InventoryFromComputeNode).
func (inv Inventory) Validate() error {
	if err := inv.Total.validate("inventory total"); err != nil {
		return err
	}
	if err := inv.Reserved.validate("inventory reserved"); err != nil {
		return err
	}
	for _, c := range inv.Total.classes() {
		r := inv.Ratios.of(c.class)
		if math.IsNaN(r) || math.IsInf(r, 0) || r <= 0 {
			return fmt.Errorf("placement: inventory: %s allocation ratio %v must be a positive number", c.class, r)
		}
	}
	return nil
}

// Capacity is (total - reserved) × ratio for each class, unrounded as
// placement compares it.
func (inv Inventory) Capacity() Capacity {
	return Capacity{
		VCPU:     inv.capacityOf(ClassVCPU),
		MemoryMB: inv.capacityOf(ClassMemoryMB),
		DiskGB:   inv.capacityOf(ClassDiskGB),
	}
}

func (inv Inventory) capacityOf(class string) float64 {
	return float64(inv.Total.of(class)-inv.Reserved.of(class)) * inv.Ratios.of(class)
}

// Capacity is what a node can hold per class after reserve and ratio.
type Capacity struct {
	VCPU, MemoryMB, DiskGB float64
}
