// Package promreg registers Prometheus collectors the way several parts of
// one process need: the dev cloud runs conductor, scheduler and computes on
// one registry, and each creates "its" metrics, so a second registration of
// the same metric must hand back the first one rather than fail.
package promreg

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c on reg and returns it, or the collector already
// registered under the same descriptor. A nil reg means metrics are off: c
// is returned unregistered. Any other registration error is a programming
// error (conflicting help or labels for one name) and panics, naming owner.
func Register[C prometheus.Collector](owner string, reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(owner + ": registering metrics: " + err.Error())
	}
	return c
}
