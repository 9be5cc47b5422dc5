package kubecontroller

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metrics is controller-runtime's own metrics, for the process's /metrics
// beside novanats' (opsserver AddGatherer): reconciles and their errors
// and durations per controller (livemigration, computehost), work queue
// depth and latency, API client requests, leader election. Its Go runtime
// and process families are left out: every novanats process exports those
// itself, and a scrape that finds a name twice fails.
func Metrics() prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		all, err := ctrlmetrics.Registry.Gather()
		kept := all[:0]
		for _, mf := range all {
			if name := mf.GetName(); strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") {
				continue
			}
			kept = append(kept, mf)
		}
		return kept, err
	})
}
