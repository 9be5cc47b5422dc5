package test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
)

// The source's migration metrics, scraped while a migration started
// through the conductor runs and after it ends: the per-migration gauges
// exist for it while it runs and are gone once it finished (no stale
// series per migration uuid), and the outcome counters count one
// completed and one cancelled migration, as the Migrations say.
func TestLiveMigrationMetrics(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	reg := prometheus.NewRegistry()
	h := noTimeout
	h.adjust = func(cfg *compute.Config) { cfg.Registerer = reg }
	c.addHost(t, "cmp1", h)
	c.addHost(t, "cmp2", lmHost{})

	perMigration := []string{
		"novanats_migration_data_processed_bytes", "novanats_migration_data_total_bytes",
		"novanats_migration_progress_ratio", "novanats_migration_memory_iteration",
	}
	for i, end := range []objects.MigrationStatus{objects.MigrationCompleted, objects.MigrationCancelled} {
		inst, m := c.runningTo(t, "cmp2")
		scraped := scrape(t, reg)
		for _, name := range perMigration {
			v, ok := seriesOf(scraped, name, "migration", m.UUID.Get())
			if !ok {
				t.Errorf("%s has no series for the running migration", name)
				continue
			}
			if name == "novanats_migration_data_total_bytes" && v <= 0 {
				t.Errorf("%s = %v while it runs", name, v)
			}
		}
		cur, err := c.store.Instances.Get(objCtx(t), inst.UUID.Get())
		if err != nil {
			t.Fatal(err)
		}
		if end == objects.MigrationCompleted {
			err = c.api.LiveMigrationForceComplete(c.newAction(t, inst.UUID.Get(), objects.ActionLiveMigrationForceComplete), cur, m)
		} else {
			err = c.api.LiveMigrationAbort(c.newAction(t, inst.UUID.Get(), objects.ActionLiveMigrationAbort), cur, m.ID.Get())
		}
		if err != nil {
			t.Fatal(err)
		}
		if done := c.awaitFinalMigration(t, inst.UUID.Get()); done.Status.Get() != end {
			t.Fatalf("migration %d: %s, want %s", i, asJSONObj(t, done), end)
		}
		scraped = scrape(t, reg)
		for _, name := range perMigration {
			if _, ok := seriesOf(scraped, name, "migration", m.UUID.Get()); ok {
				t.Errorf("%s still has a series for the finished migration", name)
			}
		}
	}
	scraped := scrape(t, reg)
	for _, st := range []objects.MigrationStatus{objects.MigrationCompleted, objects.MigrationCancelled} {
		if v, _ := seriesOf(scraped, "novanats_migration_finished_total", "status", string(st)); v != 1 {
			t.Errorf("finished_total{status=%q} = %v, want 1", st, v)
		}
	}
	for _, st := range []objects.MigrationStatus{objects.MigrationFailed, objects.MigrationError} {
		if v, _ := seriesOf(scraped, "novanats_migration_finished_total", "status", string(st)); v != 0 {
			t.Errorf("finished_total{status=%q} = %v, want 0", st, v)
		}
	}
}

func scrape(t *testing.T, reg *prometheus.Registry) map[string]*dto.MetricFamily {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		out[f.GetName()] = f
	}
	return out
}

// seriesOf is the value of the series of family name whose label is
// value (gauge or counter), and whether there is one.
func seriesOf(fams map[string]*dto.MetricFamily, name, label, value string) (float64, bool) {
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label && l.GetValue() == value {
				if m.GetGauge() != nil {
					return m.GetGauge().GetValue(), true
				}
				return m.GetCounter().GetValue(), true
			}
		}
	}
	return 0, false
}
