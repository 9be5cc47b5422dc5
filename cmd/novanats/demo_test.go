package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The README's demo, run as users run it: a built binary that must finish
// with exit 0, a completed migration and its timeline across the services.
func TestDemoBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "novanats")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, bin, "demo").CombinedOutput()
	if err != nil {
		t.Fatalf("demo failed after %s: %v\n%s", time.Since(start), err, out)
	}
	text := string(out)
	for _, want := range []string{
		"active on compute-",
		": running (compute-",
		": completed (compute-",
		"now runs on compute-",
		"conductor_migrate_server", "schedule_instances", // conductor
		"compute_pre_live_migration", "compute_live_migration", "compute_post_live_migration_at_destination", // computes
		"/metrics",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(text, "Success") < 6 {
		t.Errorf("timeline has fewer than 6 successful steps:\n%s", text)
	}
	t.Logf("demo took %s", time.Since(start))
}
