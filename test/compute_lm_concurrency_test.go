package test

import (
	"slices"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
)

// With max_concurrent_live_migrations=1, five migrations cast to one
// source run one at a time, in the order the casts arrived, and all
// complete. The store's own sequence of status changes is the proof: at
// no revision are two of them past queued and not yet finished.
func TestComputeLMMaxConcurrentOne(t *testing.T) {
	c := startCLM(t, []string{"cmp1", "cmp2"}, clmMaxConcurrent(1))
	var lms []*clmMigration
	for range 5 {
		lms = append(lms, c.prepare(t, c.buildActive(t, "cmp1"), "cmp1", "cmp2"))
	}
	// Each cast is sent once the previous one is queued: the arrival
	// order is then known, and FIFO is what is tested.
	for _, lm := range lms {
		c.start(t, lm)
		c.watch.await(t, "migration queued", func() bool {
			return slices.Contains(c.watch.history(lm.migration.UUID.Get()), objects.MigrationQueued)
		})
	}
	for _, lm := range lms {
		c.assertCompleted(t, lm)
	}

	active := map[string]bool{}
	peak := 0
	var completed []string
	for _, tr := range c.watch.transitions() {
		switch objects.MigrationStatus(tr[1]) {
		case objects.MigrationPreparing, objects.MigrationRunning, objects.MigrationPostCopy:
			active[tr[0]] = true
		case objects.MigrationCompleted:
			delete(active, tr[0])
			completed = append(completed, tr[0])
		default:
			delete(active, tr[0])
		}
		peak = max(peak, len(active))
	}
	if peak != 1 {
		t.Errorf("at most %d migrations ran at once, want exactly 1", peak)
	}
	var want []string
	for _, lm := range lms {
		want = append(want, lm.migration.UUID.Get())
		if h := c.watch.history(lm.migration.UUID.Get()); !slices.Contains(h, objects.MigrationQueued) {
			t.Errorf("migration %s never queued: %v", lm.migration.UUID.Get(), h)
		}
	}
	if !slices.Equal(completed, want) {
		t.Errorf("completion order %v, want the cast order %v", completed, want)
	}
	if s := c.computes["cmp1"].Manager().LiveMigrations(); s.Peak != 1 || s.Queued != 0 {
		t.Errorf("executor after the run: %+v, want peak 1 and nothing queued", s)
	}
	c.awaitNode(t, "cmp2", "destination counts all five", usedNode(5))
	c.awaitNode(t, "cmp1", "source counts none", usedNode(0))
}
