// Package migrationmetrics exports a compute host's live migrations to
// Prometheus: live gauges for each running migration (what an operator
// needs to see why one does not converge), and counters and histograms of
// how migrations end and how long each phase took.
//
// Per-migration series carry the migration and instance uuids, so they
// exist only while the migration runs: Finish deletes them, leaving no
// stale series behind.
package migrationmetrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novanats/novanats/pkg/promreg"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute/virt"
)

// Phases whose time is measured, in the order a migration goes through
// them on its source compute.
const (
	PhaseQueued    = "queued"    // waiting for a slot (max_concurrent_live_migrations)
	PhasePreparing = "preparing" // pre_live_migration on the destination
	PhaseRunning   = "running"   // the hypervisor copies memory (pre-copy and post-copy)
	PhasePost      = "post"      // post_live_migration: switch the instance to the destination
)

// Metrics are one compute host's migration metrics.
type Metrics struct {
	host  string
	clock func() time.Time

	dataProcessed *prometheus.GaugeVec
	dataRemaining *prometheus.GaugeVec
	dataTotal     *prometheus.GaugeVec
	dirtyRate     *prometheus.GaugeVec
	transferRate  *prometheus.GaugeVec
	iteration     *prometheus.GaugeVec
	downtimeLimit *prometheus.GaugeVec
	progress      *prometheus.GaugeVec

	finished      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	downtime      *prometheus.HistogramVec
	phaseDuration *prometheus.HistogramVec
	byStatus      *prometheus.GaugeVec

	mu       sync.Mutex
	statuses map[string]string // migration uuid -> current status
}

// Option adjusts New.
type Option func(*Metrics)

// WithClock replaces time.Now (tests, and the simulated hypervisor's
// accelerated clock).
func WithClock(now func() time.Time) Option { return func(m *Metrics) { m.clock = now } }

// Buckets: migrations take seconds to hours; downtime is milliseconds.
var (
	DurationBuckets = []float64{1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200}
	DowntimeBuckets = []float64{.01, .025, .05, .1, .2, .3, .5, .75, 1, 2, 5, 10}
)

// New creates the metrics of host and registers them on reg (a second New
// on the same registry reuses them).
func New(reg prometheus.Registerer, host string, opts ...Option) *Metrics {
	per := []string{"host", "migration", "instance"}
	gauge := func(name, help string, labels []string) *prometheus.GaugeVec {
		return promreg.Register("migrationmetrics", reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "novanats_migration_" + name, Help: help}, labels))
	}
	m := &Metrics{
		host:          host,
		clock:         time.Now,
		statuses:      map[string]string{},
		dataProcessed: gauge("data_processed_bytes", "Bytes of memory and disk sent so far by a running live migration.", per),
		dataRemaining: gauge("data_remaining_bytes", "Bytes a running live migration still has to send in its current pass.", per),
		dataTotal:     gauge("data_total_bytes", "Guest memory and disk to migrate, in bytes.", per),
		dirtyRate:     gauge("dirty_rate_bytes_per_second", "Rate at which the guest dirties memory now.", per),
		transferRate:  gauge("transfer_rate_bytes_per_second", "Rate at which the migration link sends now.", per),
		iteration:     gauge("memory_iteration", "Pre-copy pass over guest memory (1 = the first full copy).", per),
		downtimeLimit: gauge("downtime_limit_seconds", "Max downtime the final copy may take now (nova's downtime steps).", per),
		progress:      gauge("progress_ratio", "Memory sent out of the guest's memory, 0 to 1 (nova's instance progress / 100).", per),
		byStatus:      gauge("in_status", "Live migrations on this host (as source) by current status.", []string{"host", "status"}),
		finished: promreg.Register("migrationmetrics", reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "novanats_migration_finished_total", Help: "Live migrations that ended, by final status.",
		}, []string{"host", "status"})),
		duration: promreg.Register("migrationmetrics", reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "novanats_migration_duration_seconds", Help: "Total time of a live migration, from queued to its final status.",
			Buckets: DurationBuckets,
		}, []string{"host", "status"})),
		downtime: promreg.Register("migrationmetrics", reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "novanats_migration_downtime_seconds", Help: "Time the guest did not run during the switch-over of a completed live migration.",
			Buckets: DowntimeBuckets,
		}, []string{"host"})),
		phaseDuration: promreg.Register("migrationmetrics", reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "novanats_migration_phase_seconds", Help: "Time live migrations spent in each phase (queued, preparing, running, post).",
			Buckets: DurationBuckets,
		}, []string{"host", "phase"})),
	}
	for _, o := range opts {
		o(m)
	}
	// Start the per-status counters at 0: a counter series that appears with
	// its first event has no earlier sample, so increase() over it misses
	// that event, and the first failure of a host would never reach the
	// migrations-failing alert.
	for _, status := range FinalStatuses {
		m.finished.WithLabelValues(host, status)
	}
	return m
}

// FinalStatuses are the statuses Finish records: nova's Migration statuses a
// live migration ends in.
var FinalStatuses = []string{
	string(objects.MigrationCompleted), string(objects.MigrationFailed),
	string(objects.MigrationError), string(objects.MigrationCancelled),
}

// Tracker follows one migration from when its source compute accepts it.
type Tracker struct {
	m         *Metrics
	migration string
	instance  string
	started   time.Time
	phase     string
	phaseAt   time.Time
	done      bool
}

// Track starts following a migration in status (usually "queued").
func (m *Metrics) Track(migrationUUID, instanceUUID, status string) *Tracker {
	now := m.clock()
	t := &Tracker{m: m, migration: migrationUUID, instance: instanceUUID, started: now}
	t.Status(status)
	return t
}

// Enter records that the migration entered phase, closing the previous
// phase's time.
func (t *Tracker) Enter(phase string) {
	now := t.m.clock()
	t.closePhase(now)
	t.phase, t.phaseAt = phase, now
}

func (t *Tracker) closePhase(now time.Time) {
	if t.phase != "" {
		t.m.phaseDuration.WithLabelValues(t.m.host, t.phase).Observe(now.Sub(t.phaseAt).Seconds())
		t.phase = ""
	}
}

// Status moves the migration to status in the per-status gauge.
func (t *Tracker) Status(status string) {
	m := t.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev, ok := m.statuses[t.migration]; ok {
		m.byStatus.WithLabelValues(m.host, prev).Dec()
	}
	m.statuses[t.migration] = status
	m.byStatus.WithLabelValues(m.host, status).Inc()
}

// Progress publishes the hypervisor's job stats.
func (t *Tracker) Progress(s virt.JobStats) {
	if t.done {
		return
	}
	l := []string{t.m.host, t.migration, t.instance}
	t.m.dataProcessed.WithLabelValues(l...).Set(float64(s.DataProcessed))
	t.m.dataRemaining.WithLabelValues(l...).Set(float64(s.DataRemaining))
	t.m.dataTotal.WithLabelValues(l...).Set(float64(s.DataTotal))
	t.m.dirtyRate.WithLabelValues(l...).Set(float64(s.DirtyRate))
	t.m.transferRate.WithLabelValues(l...).Set(float64(s.TransferRate))
	t.m.iteration.WithLabelValues(l...).Set(float64(s.MemoryIteration))
	t.m.downtimeLimit.WithLabelValues(l...).Set(s.DowntimeLimit.Seconds())
	t.m.progress.WithLabelValues(l...).Set(float64(s.ProgressPercent()) / 100)
}

// Finish records the final status (completed, failed, error, cancelled)
// and the guest's downtime (completed migrations), and deletes the
// migration's own series. Calling it twice has no further effect.
func (t *Tracker) Finish(status string, downtime time.Duration) {
	if t.done {
		return
	}
	t.done = true
	m := t.m
	now := m.clock()
	t.closePhase(now)
	m.finished.WithLabelValues(m.host, status).Inc()
	m.duration.WithLabelValues(m.host, status).Observe(now.Sub(t.started).Seconds())
	if downtime > 0 {
		m.downtime.WithLabelValues(m.host).Observe(downtime.Seconds())
	}
	l := prometheus.Labels{"host": m.host, "migration": t.migration, "instance": t.instance}
	for _, g := range []*prometheus.GaugeVec{m.dataProcessed, m.dataRemaining, m.dataTotal, m.dirtyRate, m.transferRate, m.iteration, m.downtimeLimit, m.progress} {
		g.Delete(l)
	}
	m.mu.Lock()
	if prev, ok := m.statuses[t.migration]; ok {
		m.byStatus.WithLabelValues(m.host, prev).Dec()
		delete(m.statuses, t.migration)
	}
	m.mu.Unlock()
}
