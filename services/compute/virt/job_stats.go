package virt

import (
	"math"
	"time"
)

// JobPhase is where a live migration stands. It refines libvirt's job
// types (unbounded / completed / failed / cancelled) with the pre-copy
// stages nova's monitor cares about.
type JobPhase string

const (
	PhaseNone        JobPhase = "none"          // not started yet
	PhaseDisk        JobPhase = "disk"          // block migration: copying local disks
	PhasePreCopy     JobPhase = "pre-copy"      // iterating over guest memory while it runs
	PhaseStopAndCopy JobPhase = "stop-and-copy" // guest stopped, last dirty pages in flight
	PhasePostCopy    JobPhase = "post-copy"     // guest runs on dest, pulling remaining pages
	PhaseCompleted   JobPhase = "completed"
	PhaseFailed      JobPhase = "failed"
	PhaseCancelled   JobPhase = "cancelled"
)

// Done reports whether the phase is terminal.
func (p JobPhase) Done() bool {
	return p == PhaseCompleted || p == PhaseFailed || p == PhaseCancelled
}

// JobStats is a snapshot of a live migration, the equivalent of libvirt's
// virDomainGetJobStats that nova's monitor reads every tick (nova's
// JobInfo). Sizes are bytes, rates bytes/s.
type JobStats struct {
	Phase   JobPhase
	Elapsed time.Duration // migration time (hypervisor clock)

	// Data = memory + disk (libvirt data_*).
	DataTotal     int64
	DataProcessed int64
	DataRemaining int64

	// Memory: Processed keeps growing as dirtied pages are re-sent, so it
	// can exceed Total; Remaining is what the current pass still has to
	// send (QEMU's "remaining ram").
	MemoryTotal     int64
	MemoryProcessed int64
	MemoryRemaining int64

	DiskTotal     int64
	DiskProcessed int64
	DiskRemaining int64

	// MemoryIteration counts pre-copy passes over memory (1 = the first
	// full copy).
	MemoryIteration int
	DirtyRate       int64 // bytes/s the guest dirties now (after any throttle)
	TransferRate    int64 // bytes/s sent over the migration link now

	// DowntimeLimit is the max downtime currently allowed for the final
	// copy, as last set from the downtime steps (hypervisor default
	// before the first step).
	DowntimeLimit time.Duration
	// Downtime is how long the guest did not run, known once the
	// migration completed: the stop-and-copy time, or from the
	// force-complete pause to the resume on the destination.
	Downtime time.Duration

	PostCopy             bool // switched to post-copy
	AutoConverge         bool // migration runs with auto-converge
	AutoConvergeThrottle int  // current CPU throttle, percent
	Paused               bool // guest paused by force-complete
}

// ProgressPercent is the coarse progress nova saves on the Instance:
// 100 - round(memory_remaining×100/memory_total), with Python's round
// (half to even); a completed migration is 100.
func (s JobStats) ProgressPercent() int {
	if s.Phase == PhaseCompleted {
		return 100
	}
	remaining := 100.0
	if s.MemoryTotal != 0 {
		remaining = math.RoundToEven(float64(s.MemoryRemaining) * 100 / float64(s.MemoryTotal))
	}
	return 100 - int(remaining)
}
