package virt

import (
	"fmt"
	"math"
	"strconv"
)

// GuestSpec describes the guest a driver must run: what nova reads from the
// Instance and its flavor when it spawns or receives a guest.
type GuestSpec struct {
	UUID     string
	Name     string // display name; optional
	VCPUs    int
	MemoryMB int
	DiskGB   int // root + ephemeral local disk

	// DirtyRateMiBps is how fast the guest's workload writes to its memory,
	// in MiB/s. Real hypervisors measure it; simulated drivers use it to
	// model pre-copy convergence. 0 means "the driver's default".
	DirtyRateMiBps float64
}

// Validate reports the first field of the spec that no driver could accept.
func (g GuestSpec) Validate() error {
	switch {
	case g.UUID == "":
		return fmt.Errorf("%w: guest uuid is empty", ErrInvalidInput)
	case g.VCPUs <= 0:
		return fmt.Errorf("%w: guest %s: vcpus must be > 0, got %d", ErrInvalidInput, g.UUID, g.VCPUs)
	case g.MemoryMB <= 0:
		return fmt.Errorf("%w: guest %s: memory_mb must be > 0, got %d", ErrInvalidInput, g.UUID, g.MemoryMB)
	case g.DiskGB < 0:
		return fmt.Errorf("%w: guest %s: disk_gb must be >= 0, got %d", ErrInvalidInput, g.UUID, g.DiskGB)
	case !(g.DirtyRateMiBps >= 0) || math.IsInf(g.DirtyRateMiBps, 0):
		return fmt.Errorf("%w: guest %s: dirty rate must be a finite number >= 0 MiB/s, got %v", ErrInvalidInput, g.UUID, g.DirtyRateMiBps)
	}
	return nil
}

// PowerState mirrors nova.compute.power_state: the values are nova's so
// they can be stored in Instance.power_state unchanged.
type PowerState int

const (
	PowerNoState   PowerState = 0x00
	PowerRunning   PowerState = 0x01
	PowerPaused    PowerState = 0x03
	PowerShutdown  PowerState = 0x04 // nova: SHUTDOWN, also used for "shut off"
	PowerCrashed   PowerState = 0x06
	PowerSuspended PowerState = 0x07
)

// String returns nova's STATE_MAP name for the state.
func (p PowerState) String() string {
	switch p {
	case PowerNoState:
		return "pending"
	case PowerRunning:
		return "running"
	case PowerPaused:
		return "paused"
	case PowerShutdown:
		return "shutdown"
	case PowerCrashed:
		return "crashed"
	case PowerSuspended:
		return "suspended"
	}
	return "power_state(" + strconv.Itoa(int(p)) + ")"
}

// HostResources is what GetAvailableResource reports: the subset of nova's
// get_available_resource() dict the resource tracker turns into a
// ComputeNode record.
type HostResources struct {
	VCPUs    int
	MemoryMB int
	LocalGB  int

	VCPUsUsed    int
	MemoryMBUsed int
	LocalGBUsed  int

	HypervisorType     string
	HypervisorVersion  int // nova encodes x.y.z as x*1000000 + y*1000 + z
	HypervisorHostname string
}
