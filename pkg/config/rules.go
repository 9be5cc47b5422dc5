package config

import (
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/novanats/novanats/pkg/servicegroup"
)

// rules are nova's start-up adjustments: values nova accepts but changes,
// with a warning, rather than refusing to start. Load applies them in order
// after reading every source; each leaves a Note on what it changed, which
// --print-config shows. A rule whose options are not in the Set does
// nothing.
var rules = []func(*Values, *slog.Logger){clampMinimums, serviceDownTime, conductorWorkers}

// clampMinimums raises ClampMin options below their minimum to it (the
// live-migration downtime settings, as nova's libvirt driver does).
func clampMinimums(v *Values, log *slog.Logger) {
	for i := range v.vals {
		val := &v.vals[i]
		o := val.Option
		if !o.ClampMin || !o.below(val.Value) {
			continue
		}
		was := o.Kind.format(val.Value)
		val.Value = o.Kind.fromNumber(*o.Min)
		val.Note = fmt.Sprintf("raised from %s to the minimum %s", was, o.Kind.format(val.Value))
		log.Warn("config value below nova's minimum; using the minimum",
			"option", o.String(), "value", was, "minimum", o.Kind.format(val.Value), "source", val.Source.String())
	}
}

// serviceDownTime applies nova's rule, owned by pkg/servicegroup: a
// service_down_time not longer than report_interval would flap a service
// down at its first late report, so it becomes 2.5 x report_interval.
func serviceDownTime(v *Values, log *slog.Logger) {
	ri, ok1 := v.index(DefaultGroup, "report_interval")
	sd, ok2 := v.index(DefaultGroup, "service_down_time")
	if !ok1 || !ok2 {
		return
	}
	report := v.vals[ri].Value.(time.Duration)
	down := v.vals[sd].Value.(time.Duration)
	eff, adjusted := servicegroup.Config{ReportInterval: report, ServiceDownTime: down}.Effective()
	if !adjusted {
		return
	}
	v.vals[sd].Value = eff.ServiceDownTime
	v.vals[sd].Note = fmt.Sprintf("raised from %s to 2.5 x report_interval", Seconds.format(down))
	log.Warn("service_down_time must be longer than report_interval; raising it to 2.5 x report_interval",
		"report_interval", report, "service_down_time", down, "new_service_down_time", eff.ServiceDownTime)
}

// conductorWorkers turns [conductor] workers 0 (nova's None) into the CPU
// count nova would use, so the printed config shows the real number.
func conductorWorkers(v *Values, _ *slog.Logger) {
	i, ok := v.index("conductor", "workers")
	if !ok || v.vals[i].Value.(int) != 0 {
		return
	}
	v.vals[i].Value = runtime.NumCPU()
	v.vals[i].Note = "0: one per CPU"
}
