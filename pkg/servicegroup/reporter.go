package servicegroup

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ReportFunc records that the service is alive (sets last_seen_up and bumps
// report_count on its Service record). It should bound its own duration:
// while it runs, due ticks are dropped rather than queued.
type ReportFunc func(ctx context.Context) error

// Reporter calls a ReportFunc every ReportInterval, as nova's service does
// with its report_state timer.
type Reporter struct {
	interval time.Duration
	clock    Clock
	report   ReportFunc
	log      *slog.Logger

	mu    sync.Mutex
	stats Stats
}

// Stats counts what a Reporter did.
type Stats struct {
	Reports             uint64 // successful reports
	Failures            uint64 // failed reports, in total
	ConsecutiveFailures uint64 // failed reports since the last success
	LastSuccess         time.Time
	LastError           error
}

// NewReporter makes a reporter for cfg's ReportInterval. clock nil means
// the wall clock, log nil means slog.Default().
func NewReporter(cfg Config, clock Clock, report ReportFunc, log *slog.Logger) *Reporter {
	cfg, _ = cfg.Effective()
	if clock == nil {
		clock = RealClock()
	}
	if log == nil {
		log = slog.Default()
	}
	return &Reporter{interval: cfg.ReportInterval, clock: clock, report: report, log: log}
}

// Run reports once at once, then on every tick, until ctx is done. A failed
// report (error or panic) is logged and counted and the loop goes on: a
// service that stopped reporting after one conductor hiccup would be taken
// for dead although it is fine.
//
// Nova waits 5 seconds before the first report; we do not, because a
// service that has never reported counts as down here (see Config.IsUp).
func (r *Reporter) Run(ctx context.Context) {
	t := r.clock.NewTicker(r.interval)
	defer t.Stop()
	r.once(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			r.once(ctx)
		}
	}
}

// Stats returns a snapshot of the counters.
func (r *Reporter) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

func (r *Reporter) once(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	err := r.call(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		if r.stats.ConsecutiveFailures > 0 {
			r.log.Info("servicegroup: reporting state again", "failed_reports", r.stats.ConsecutiveFailures)
		}
		r.stats.Reports++
		r.stats.ConsecutiveFailures = 0
		r.stats.LastSuccess = r.clock.Now()
		return
	}
	if ctx.Err() != nil {
		return // shutting down: the failure says nothing about health
	}
	r.stats.Failures++
	r.stats.ConsecutiveFailures++
	r.stats.LastError = err
	r.log.Warn("servicegroup: report failed", "error", err, "consecutive_failures", r.stats.ConsecutiveFailures)
}

func (r *Reporter) call(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("report panicked: %v", p)
		}
	}()
	return r.report(ctx)
}
