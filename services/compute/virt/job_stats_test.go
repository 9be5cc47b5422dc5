package virt

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func nan() float64                { return math.NaN() }
func inf() float64                { return math.Inf(1) }
func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestProgressPercentRoundsLikePython(t *testing.T) {
	tests := []struct {
		s    JobStats
		want int
	}{
		{JobStats{MemoryTotal: 200, MemoryRemaining: 5}, 98},  // 2.5% rounds to 2
		{JobStats{MemoryTotal: 200, MemoryRemaining: 7}, 96},  // 3.5% rounds to 4
		{JobStats{MemoryTotal: 0, MemoryRemaining: 0}, 0},     // nothing known yet
		{JobStats{MemoryTotal: 100, MemoryRemaining: 100}, 0}, //
		{JobStats{Phase: PhaseCompleted, MemoryTotal: 100}, 100},
	}
	for _, tt := range tests {
		if got := tt.s.ProgressPercent(); got != tt.want {
			t.Errorf("ProgressPercent(%d/%d) = %d, want %d", tt.s.MemoryRemaining, tt.s.MemoryTotal, got, tt.want)
		}
	}
}

func TestMigrationStatusFor(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, MigrationStatusCompleted},
		{&MigrationAborted{Reason: AbortRequested}, MigrationStatusCancelled},
		{fmt.Errorf("wrapped: %w", &MigrationAborted{Reason: AbortContextCancelled}), MigrationStatusCancelled},
		{&MigrationAborted{Reason: AbortCompletionTimeout}, MigrationStatusFailed},
		{&MigrationPreCheckError{Reason: "no"}, MigrationStatusFailed},
		{&MigrationError{Err: errors.New("link down")}, MigrationStatusError},
		{errors.New("pre_live_migration blew up"), MigrationStatusError},
	}
	for _, tt := range tests {
		if got := MigrationStatusFor(tt.err); got != tt.want {
			t.Errorf("MigrationStatusFor(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestErrorMessagesNameWhatHappened(t *testing.T) {
	timeout := &MigrationAborted{InstanceUUID: "i-1", Reason: AbortCompletionTimeout, Timeout: 1600 * time.Second, Elapsed: 1600500 * time.Millisecond}
	if msg := timeout.Error(); !contains(msg, "i-1") || !contains(msg, "completion timeout") || !contains(msg, "26m40s") {
		t.Errorf("timeout message %q", msg)
	}
	cause := errors.New("context canceled")
	ctxAbort := &MigrationAborted{InstanceUUID: "i-1", Reason: AbortContextCancelled, Err: cause}
	if !errors.Is(ctxAbort, cause) {
		t.Error("MigrationAborted must unwrap its cause")
	}
	lost := &MigrationError{InstanceUUID: "i-2", Host: "src", Err: cause, GuestLost: true}
	if msg := lost.Error(); !contains(msg, "i-2") || !contains(msg, "src") || !contains(msg, "hard reboot") {
		t.Errorf("migration error message %q", msg)
	}
	if !errors.Is(lost, cause) {
		t.Error("MigrationError must unwrap its cause")
	}
}

func TestGuestSpecValidate(t *testing.T) {
	ok := GuestSpec{UUID: "u", VCPUs: 1, MemoryMB: 512}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mutate func(*GuestSpec)
		field  string
	}{
		{func(g *GuestSpec) { g.UUID = "" }, "uuid"},
		{func(g *GuestSpec) { g.VCPUs = 0 }, "vcpus"},
		{func(g *GuestSpec) { g.MemoryMB = -1 }, "memory_mb"},
		{func(g *GuestSpec) { g.DiskGB = -1 }, "disk_gb"},
		{func(g *GuestSpec) { g.DirtyRateMiBps = -1 }, "dirty rate"},
		{func(g *GuestSpec) { g.DirtyRateMiBps = nan() }, "dirty rate"},
	}
	for _, tt := range tests {
		g := ok
		tt.mutate(&g)
		if err := g.Validate(); !errors.Is(err, ErrInvalidInput) || !contains(err.Error(), tt.field) {
			t.Errorf("Validate() = %v, want ErrInvalidInput naming %s", err, tt.field)
		}
	}
}

func TestPowerStateUsesNovaValues(t *testing.T) {
	if PowerRunning != 1 || PowerPaused != 3 || PowerShutdown != 4 || PowerCrashed != 6 || PowerSuspended != 7 {
		t.Error("power state values must be nova.compute.power_state's")
	}
	if PowerCrashed.String() != "crashed" || PowerState(42).String() != "power_state(42)" {
		t.Errorf("String: %s, %s", PowerCrashed, PowerState(42))
	}
}
