package virt

import (
	"fmt"
	"math"
	"time"
)

// Nova's live-migration policy, as pure functions every driver can share.
// Each function names the nova code it mirrors; the arithmetic follows
// nova's Python exactly (float division, int() truncation) so schedules and
// timeouts are identical to what a nova operator would see in the logs.

const (
	MiB = 1 << 20
	GiB = 1 << 30

	// minDataGiB: nova counts at least 2 GiB for RAM and for each migrated
	// disk, so tiny guests still get usable delays and timeouts.
	minDataGiB = 2
)

// MigrationDataGiB is nova's LibvirtDriver._live_migration_data_gb: the GiB
// of guest RAM plus migrated local disks, each counted as at least 2 GiB.
// diskBytes lists the sizes of the disks copied by a block migration (none
// for shared storage). The result scales downtime delays and the
// completion timeout.
func MigrationDataGiB(memoryMB int, diskBytes []int64) (float64, error) {
	if memoryMB <= 0 {
		return 0, fmt.Errorf("%w: memory_mb must be > 0, got %d", ErrInvalidInput, memoryMB)
	}
	ram := float64(memoryMB) * MiB / GiB
	if ram < minDataGiB {
		ram = minDataGiB
	}
	var disk float64
	for i, b := range diskBytes {
		if b < 0 {
			return 0, fmt.Errorf("%w: disk %d size must be >= 0 bytes, got %d", ErrInvalidInput, i, b)
		}
		gb := float64(b) / GiB
		if gb < minDataGiB {
			gb = minDataGiB
		}
		disk += gb
	}
	return ram + disk, nil
}

// DowntimeStep is one entry of nova's downtime schedule: once more than
// AfterSeconds of migration time have elapsed, the maximum downtime the
// hypervisor may take for the final copy becomes DowntimeMs.
type DowntimeStep struct {
	AfterSeconds int
	DowntimeMs   int
}

// DowntimeSteps is nova's nova.virt.libvirt.migration.downtime_steps: a
// linear ramp of steps+1 entries from downtimeMs/steps up to downtimeMs,
// one every delaySecPerGiB×dataGiB seconds. Values below nova's option
// minimums (100 ms, 3 steps, 3 s) are raised to them, as older nova did
// before oslo.config enforced the minimums itself.
//
// Example from nova's docstring: 400 ms, 10 steps, 30 s, 3 GiB gives a
// step every 90 s: 40, 76, 112, ... 400 ms.
func DowntimeSteps(downtimeMs, steps, delaySecPerGiB int, dataGiB float64) ([]DowntimeStep, error) {
	if dataGiB < 0 || math.IsNaN(dataGiB) || math.IsInf(dataGiB, 0) {
		return nil, fmt.Errorf("%w: data to migrate must be a finite number of GiB >= 0, got %v", ErrInvalidInput, dataGiB)
	}
	downtimeMs = max(downtimeMs, MinDowntimeMs)
	steps = max(steps, MinDowntimeSteps)
	delaySecPerGiB = max(delaySecPerGiB, MinDowntimeDelay)

	delay := int(float64(delaySecPerGiB) * dataGiB) // nova: int(delay * data_gb)
	base := float64(downtimeMs) / float64(steps)
	offset := (float64(downtimeMs) - base) / float64(steps)

	out := make([]DowntimeStep, 0, steps+1)
	for i := 0; i <= steps; i++ {
		// The explicit float64() conversion forbids the compiler from fusing
		// the multiply-add (the Go spec allows FMA otherwise): nova rounds
		// after each operation and int() truncation is sensitive to it.
		ms := base + float64(offset*float64(i))
		out = append(out, DowntimeStep{AfterSeconds: delay * i, DowntimeMs: int(ms)})
	}
	return out, nil
}

// DowntimeSchedule applies DowntimeSteps with the config's options.
func (c MigrationConfig) DowntimeSchedule(dataGiB float64) ([]DowntimeStep, error) {
	return DowntimeSteps(c.DowntimeMs, c.DowntimeSteps, c.DowntimeDelay, dataGiB)
}

// DowntimeUnset is the current downtime before the monitor applied any
// step: the hypervisor still uses its own default (nova: olddowntime None).
const DowntimeUnset = -1

// UpdateDowntime is nova's update_downtime: it picks the last step whose
// time mark has been passed (strictly: elapsed > AfterSeconds) and reports
// whether it differs from current (DowntimeUnset before the first step).
// The monitor loop calls it every tick and, when changed, sets the
// hypervisor's max downtime.
func UpdateDowntime(steps []DowntimeStep, elapsed time.Duration, current int) (downtimeMs int, changed bool) {
	found := false
	for _, s := range steps {
		if elapsed > time.Duration(s.AfterSeconds)*time.Second {
			downtimeMs, found = s.DowntimeMs, true
		}
	}
	if !found || downtimeMs == current {
		return current, false
	}
	return downtimeMs, true
}

// CompletionTimeout is the monitor's completion_timeout:
// int(live_migration_completion_timeout × data_gb) seconds. 0 disables it.
func CompletionTimeout(timeoutSecPerGiB int, dataGiB float64) time.Duration {
	if timeoutSecPerGiB <= 0 || dataGiB <= 0 {
		return 0
	}
	return time.Duration(int64(float64(timeoutSecPerGiB)*dataGiB)) * time.Second
}

// ShouldTriggerTimeoutAction is nova's should_trigger_timeout_action: the
// timeout fires once elapsed exceeds it, unless it is disabled (0) or the
// migration already runs in post-copy (it will finish by itself and cannot
// be aborted). Nova evaluates it every tick, so the action repeats every
// tick after the timeout until the migration ends.
func ShouldTriggerTimeoutAction(elapsed, completionTimeout time.Duration, inPostCopy bool) bool {
	if completionTimeout == 0 || inPostCopy {
		return false
	}
	return elapsed > completionTimeout
}

// ForceCompleteAction is what a force-complete request does to a running
// migration.
type ForceCompleteAction int

const (
	// ForceCompleteNothing: already in post-copy; nova only logs a warning.
	ForceCompleteNothing ForceCompleteAction = iota
	// ForceCompletePostCopy: switch to post-copy; the guest then runs on
	// the destination and the rest of its memory is pulled on demand.
	ForceCompletePostCopy
	// ForceCompletePause: pause the guest so it stops dirtying memory and
	// the next pre-copy pass converges; unpaused again if the migration
	// fails.
	ForceCompletePause
)

func (a ForceCompleteAction) String() string {
	switch a {
	case ForceCompleteNothing:
		return "nothing"
	case ForceCompletePostCopy:
		return "post-copy"
	case ForceCompletePause:
		return "pause"
	}
	return fmt.Sprintf("force_complete_action(%d)", int(a))
}

// ForceCompleteActionFor is the decision in nova's run_tasks for a
// 'force-complete' task, used both by the force-complete API and by
// live_migration_timeout_action=force_complete.
func ForceCompleteActionFor(postCopyEnabled, inPostCopy bool) ForceCompleteAction {
	switch {
	case inPostCopy:
		return ForceCompleteNothing
	case postCopyEnabled:
		return ForceCompletePostCopy
	default:
		return ForceCompletePause
	}
}

// ShouldSwitchToPostCopy is nova's historical should_switch_to_postcopy
// (Ocata): after the first memory pass, switch to post-copy when a pass
// reduced the remaining data by less than 10%. Current nova no longer
// switches by itself — post-copy only starts on force-complete or on the
// completion timeout — and neither does the sim's monitor; the rule stays
// here for drivers that want the older, more eager policy.
func ShouldSwitchToPostCopy(memoryIteration int, currentRemaining, previousRemaining int64, inPostCopy bool) bool {
	if inPostCopy || previousRemaining <= 0 {
		return false
	}
	if memoryIteration <= 1 {
		return false
	}
	// Python 3 round() rounds half to even.
	progress := math.RoundToEven(float64(previousRemaining-currentRemaining) * 100 / float64(previousRemaining))
	return progress < 10
}
