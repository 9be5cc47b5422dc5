package conductor

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
)

// serviceListTimeout bounds the store read of one scrape: Prometheus'
// own scrape timeout is 10 s by default, and a scrape that waits longer is
// dropped anyway.
const serviceListTimeout = 5 * time.Second

// ServiceCollector exports the service group's view of every service in
// the Services table, computed at scrape time: whether each is up (nova's
// servicegroup is_up: reported within service_down_time and not forced
// down) and whether it is disabled. The conductor exports it because it
// reads the table anyway and sees every service; the others would only
// repeat it.
type ServiceCollector struct {
	services *store.Services
	now      func() time.Time
	sg       servicegroup.Config
	log      *slog.Logger
	up       *prometheus.Desc
	disabled *prometheus.Desc
}

// NewServiceCollector judges the services of st with sg (the
// conductor's report_interval and service_down_time) on the store's clock,
// the one the state reports are stamped with.
func NewServiceCollector(st *store.Store, sg servicegroup.Config, log *slog.Logger) *ServiceCollector {
	if log == nil {
		log = slog.Default()
	}
	labels := []string{"topic", "host"}
	return &ServiceCollector{
		services: st.Services, now: st.Now, sg: sg, log: log,
		up: prometheus.NewDesc("novanats_service_up",
			"1 if the service group considers the service up (reported within service_down_time, not forced down), else 0.", labels, nil),
		disabled: prometheus.NewDesc("novanats_service_disabled",
			"1 if the service is disabled (host disable: the scheduler places nothing on it), else 0.", labels, nil),
	}
}

// ServiceCollector is NewServiceCollector for this conductor's store and
// service group configuration.
func (s *Service) ServiceCollector() *ServiceCollector {
	return NewServiceCollector(s.store, s.cfg.ServiceGroup, s.log)
}

// Describe implements prometheus.Collector.
func (c *ServiceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.disabled
}

// Collect implements prometheus.Collector. When the table cannot be read
// it exports no service series and logs why, rather than failing the whole
// scrape: the conductor's RPC metrics matter most when the state store is
// in trouble.
func (c *ServiceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), serviceListTimeout)
	defer cancel()
	svcs, err := c.services.List(ctx)
	if err != nil {
		c.log.Warn("service metrics: cannot list the services table; novanats_service_up is left out of this scrape", "error", err)
		return
	}
	now := c.now()
	for _, sv := range svcs {
		topic, host := sv.Topic.Get(), sv.Host.Get()
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, boolValue(store.IsUp(sv, c.sg, now)), topic, host)
		ch <- prometheus.MustNewConstMetric(c.disabled, prometheus.GaugeValue, boolValue(sv.Disabled.Get()), topic, host)
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
