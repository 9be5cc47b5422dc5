// Package servicegroup decides whether a nova service is alive, as nova's
// "db" servicegroup driver does: every service stamps last_seen_up on its
// Service record each report_interval, and anyone may judge it up if that
// stamp is recent enough and an operator has not forced it down. The package
// is pure logic plus a Reporter loop; storing the stamp is the caller's
// business (a Mutate on the services table).
package servicegroup

import (
	"time"
)

// Nova's defaults (nova.conf [DEFAULT] report_interval, service_down_time).
const (
	DefaultReportInterval  = 10 * time.Second
	DefaultServiceDownTime = 60 * time.Second
)

// Config holds the two liveness settings. The zero value means nova's
// defaults.
type Config struct {
	// ReportInterval is how often a service reports it is alive. Zero or
	// negative means DefaultReportInterval.
	ReportInterval time.Duration
	// ServiceDownTime is how long after its last report a service still
	// counts as up. Zero or negative means DefaultServiceDownTime.
	ServiceDownTime time.Duration
}

// Effective returns the settings actually in force, and whether
// ServiceDownTime had to be raised.
//
// Nova's rule (servicegroup API): if service_down_time is not greater than
// report_interval, a single late report would flap the service down, so
// service_down_time becomes int(report_interval * 2.5) seconds. The same
// truncation to whole seconds applies here; sub-second intervals (tests)
// keep the exact 2.5x.
func (c Config) Effective() (Config, bool) {
	if c.ReportInterval <= 0 {
		c.ReportInterval = DefaultReportInterval
	}
	if c.ServiceDownTime <= 0 {
		c.ServiceDownTime = DefaultServiceDownTime
	}
	if c.ServiceDownTime > c.ReportInterval {
		return c, false
	}
	down := c.ReportInterval * 5 / 2
	if down >= time.Second {
		down = down.Truncate(time.Second)
	}
	c.ServiceDownTime = down
	return c, true
}

// IsUp says whether a service is alive at now: not forced down, and its last
// report within ServiceDownTime (after Effective's adjustment).
//
// Like nova, the distance is absolute: a last_seen_up further in the future
// than ServiceDownTime (a reporter with a skewed clock) is down too.
//
// A zero lastSeenUp means the service never reported and is down. Nova falls
// back to the record's updated_at, then created_at, because records from
// before last_seen_up existed lacked it; we have no such records, and a
// service that registered but never reported has not shown it is alive. The
// Reporter reports at once when it starts, so a healthy service is up from
// its first moment.
func (c Config) IsUp(forcedDown bool, lastSeenUp, now time.Time) bool {
	if forcedDown || lastSeenUp.IsZero() {
		return false
	}
	cfg, _ := c.Effective()
	elapsed := now.Sub(lastSeenUp)
	if elapsed < 0 {
		elapsed = -elapsed
	}
	return elapsed <= cfg.ServiceDownTime
}
