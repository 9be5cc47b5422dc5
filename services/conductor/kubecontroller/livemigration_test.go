package kubecontroller

import (
	"testing"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
	"github.com/novanats/novanats/pkg/objects"
)

// Every status of nova's live migration has its phase; the e2e tests see
// the common ones go by, this pins the whole table (post-copy included).
func TestPhaseOf(t *testing.T) {
	for status, want := range map[objects.MigrationStatus]novav1.LiveMigrationPhase{
		objects.MigrationAccepted:  novav1.PhaseScheduling,
		objects.MigrationQueued:    novav1.PhaseQueued,
		objects.MigrationPreparing: novav1.PhasePreparing,
		objects.MigrationRunning:   novav1.PhaseRunning,
		objects.MigrationPostCopy:  novav1.PhasePostCopy,
		objects.MigrationCompleted: novav1.PhaseSucceeded,
		objects.MigrationFailed:    novav1.PhaseFailed,
		objects.MigrationError:     novav1.PhaseFailed,
		objects.MigrationCancelled: novav1.PhaseCancelled,
	} {
		if got, ok := phaseOf(status); !ok || got != want {
			t.Errorf("%q: %q %v, want %q", status, got, ok, want)
		}
	}
	if got, ok := phaseOf("confirmed"); ok {
		t.Errorf("a cold-migration status mapped to %q", got)
	}
}

// Progress is memory copied, from total and remaining (bytes sent pass
// the total when the guest dirties memory, so processed is not used).
func TestMirrorProgress(t *testing.T) {
	m := new(objects.Migration)
	m.UUID.Set("7d0a2d6e-9b9e-4b7e-8f47-1f6bb2a1c0de")
	m.InstanceUUID.Set("0a4c5b1e-3d2f-4e6a-9b8c-7d6e5f4a3b2c")
	m.Status.Set(objects.MigrationRunning)
	m.MemoryTotal.Set(1000)
	m.MemoryProcessed.Set(1500)
	m.MemoryRemaining.Set(250)
	lm := new(novav1.LiveMigration)
	(&liveMigrations{}).mirror(t.Context(), lm, m)
	p := lm.Status.Progress
	if p == nil || p.Percent != 75 || p.Summary != "75%" || p.MemoryTotalBytes != 1000 || p.MemoryRemainingBytes != 250 ||
		lm.Status.Phase != novav1.PhaseRunning || lm.Status.MigrationID != m.UUID.Get() {
		t.Errorf("status %+v progress %+v", lm.Status, p)
	}
}
