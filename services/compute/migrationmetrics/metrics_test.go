package migrationmetrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/novanats/novanats/services/compute/virt"
)

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) advance(d time.Duration) { c.now = c.now.Add(d) }

func TestTrackerLifecycle(t *testing.T) {
	reg := prometheus.NewRegistry()
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	m := New(reg, "cmp-1", WithClock(clk.Now))

	tr := m.Track("mig-1", "inst-1", "queued")
	tr.Enter(PhaseQueued)
	if got := testutil.ToFloat64(m.byStatus.WithLabelValues("cmp-1", "queued")); got != 1 {
		t.Fatalf("queued gauge = %v", got)
	}
	clk.advance(2 * time.Second)
	tr.Status("preparing")
	tr.Enter(PhasePreparing)
	clk.advance(3 * time.Second)
	tr.Status("running")
	tr.Enter(PhaseRunning)
	if testutil.ToFloat64(m.byStatus.WithLabelValues("cmp-1", "queued")) != 0 || testutil.ToFloat64(m.byStatus.WithLabelValues("cmp-1", "running")) != 1 {
		t.Fatal("status gauge did not move from queued to running")
	}
	tr.Progress(virt.JobStats{Phase: virt.PhasePreCopy, DataTotal: 4 << 30, DataProcessed: 1 << 30, DataRemaining: 3 << 30,
		MemoryTotal: 4 << 30, MemoryRemaining: 3 << 30, DirtyRate: 100 << 20, TransferRate: 1 << 30, MemoryIteration: 2, DowntimeLimit: 50 * time.Millisecond})
	l := []string{"cmp-1", "mig-1", "inst-1"}
	checks := map[string]struct{ got, want float64 }{
		"remaining": {testutil.ToFloat64(m.dataRemaining.WithLabelValues(l...)), 3 << 30},
		"dirty":     {testutil.ToFloat64(m.dirtyRate.WithLabelValues(l...)), 100 << 20},
		"iteration": {testutil.ToFloat64(m.iteration.WithLabelValues(l...)), 2},
		"downtime":  {testutil.ToFloat64(m.downtimeLimit.WithLabelValues(l...)), 0.05},
		"progress":  {testutil.ToFloat64(m.progress.WithLabelValues(l...)), 0.25},
	}
	for name, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", name, c.got, c.want)
		}
	}
	clk.advance(10 * time.Second)
	tr.Enter(PhasePost)
	clk.advance(time.Second)
	tr.Finish("completed", 120*time.Millisecond)
	tr.Finish("completed", 120*time.Millisecond) // no double counting

	if got := testutil.ToFloat64(m.finished.WithLabelValues("cmp-1", "completed")); got != 1 {
		t.Fatalf("finished completed = %v", got)
	}
	// the migration's own series are gone
	n, err := testutil.GatherAndCount(reg, "novanats_migration_data_remaining_bytes", "novanats_migration_dirty_rate_bytes_per_second")
	if err != nil || n != 0 {
		t.Fatalf("per-migration series left after Finish: %d %v", n, err)
	}
	if testutil.ToFloat64(m.byStatus.WithLabelValues("cmp-1", "running")) != 0 {
		t.Fatal("status gauge still counts a finished migration")
	}
	// phase and total durations as the fake clock ran
	want := `
# HELP novanats_migration_duration_seconds Total time of a live migration, from queued to its final status.
# TYPE novanats_migration_duration_seconds histogram
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="1"} 0
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="5"} 0
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="10"} 0
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="30"} 1
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="60"} 1
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="120"} 1
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="300"} 1
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="600"} 1
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="1200"} 1
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="1800"} 1
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="3600"} 1
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="7200"} 1
novanats_migration_duration_seconds_bucket{host="cmp-1",status="completed",le="+Inf"} 1
novanats_migration_duration_seconds_sum{host="cmp-1",status="completed"} 16
novanats_migration_duration_seconds_count{host="cmp-1",status="completed"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "novanats_migration_duration_seconds"); err != nil {
		t.Fatal(err)
	}
	phases, _ := reg.Gather()
	sums := map[string]float64{}
	for _, mf := range phases {
		if mf.GetName() != "novanats_migration_phase_seconds" {
			continue
		}
		for _, metric := range mf.GetMetric() {
			for _, lp := range metric.GetLabel() {
				if lp.GetName() == "phase" {
					sums[lp.GetValue()] = metric.GetHistogram().GetSampleSum()
				}
			}
		}
	}
	wantPhases := map[string]float64{PhaseQueued: 2, PhasePreparing: 3, PhaseRunning: 10, PhasePost: 1}
	for p, w := range wantPhases {
		if sums[p] != w {
			t.Errorf("phase %s = %vs, want %vs", p, sums[p], w)
		}
	}
}

func TestFinishedCountersStartAtZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	New(reg, "cmp-1")
	want := `
# HELP novanats_migration_finished_total Live migrations that ended, by final status.
# TYPE novanats_migration_finished_total counter
novanats_migration_finished_total{host="cmp-1",status="cancelled"} 0
novanats_migration_finished_total{host="cmp-1",status="completed"} 0
novanats_migration_finished_total{host="cmp-1",status="error"} 0
novanats_migration_finished_total{host="cmp-1",status="failed"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "novanats_migration_finished_total"); err != nil {
		t.Fatal(err)
	}
}
