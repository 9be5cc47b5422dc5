package rpc

import (
	"errors"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novanats/novanats/pkg/promreg"
)

// Metrics are Prometheus metrics per RPC method, on the client and the
// server side. They mirror oslo.metrics' client metrics
// (oslo_messaging_rpc_client_invocation_start_total, ..._end_total,
// ..._exception_total, ..._processing_seconds) under a novanats_ prefix,
// and add the same set for servers, which oslo.metrics lacks.
//
// One Metrics serves every client and server of a process; pass it with
// WithMetrics / ServerMetrics.
type Metrics struct {
	side   map[string]*sideMetrics // "client", "server"
	server bool                    // add the per-host "server" label
	cache  sync.Map                // seriesKey → *series

	poolSize      *prometheus.GaugeVec
	poolBusy      *prometheus.GaugeVec
	slowConsumers *prometheus.CounterVec
	malformed     *prometheus.CounterVec
}

type sideMetrics struct {
	start      *prometheus.CounterVec
	end        *prometheus.CounterVec
	exceptions *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inFlight   *prometheus.GaugeVec
}

// MetricsOption adjusts NewMetrics.
type MetricsOption func(*Metrics)

// MetricsWithServerLabel adds a "server" label (the target host) to every
// per-method series. Off by default: with hundreds of compute hosts it
// multiplies the number of series.
func MetricsWithServerLabel() MetricsOption { return func(m *Metrics) { m.server = true } }

// Label values of call_type.
const (
	CallTypeCall   = "call"
	CallTypeCast   = "cast"
	CallTypeFanout = "fanout"
)

// DurationBuckets cover a loopback call (tens of µs) up to a long
// pre_live_migration (minutes).
var DurationBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 180}

// NewMetrics creates the metrics and registers them on reg. Registering on a
// registry that already has them (a second NewMetrics) reuses the existing
// collectors.
func NewMetrics(reg prometheus.Registerer, opts ...MetricsOption) *Metrics {
	m := &Metrics{side: map[string]*sideMetrics{}}
	for _, o := range opts {
		o(m)
	}
	base := []string{"topic", "method", "call_type", "namespace", "version"}
	if m.server {
		base = append(base, "server")
	}
	withExc := append(append([]string{}, base...), "exception")
	for _, side := range []string{"client", "server"} {
		prefix := "novanats_rpc_" + side + "_"
		sm := &sideMetrics{
			start: promreg.Register("rpc", reg, prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: prefix + "invocation_start_total",
				Help: "RPC invocations started (" + side + " side).",
			}, base)),
			end: promreg.Register("rpc", reg, prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: prefix + "invocation_end_total",
				Help: "RPC invocations ended (" + side + " side); exception is empty on success.",
			}, withExc)),
			exceptions: promreg.Register("rpc", reg, prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: prefix + "exception_total",
				Help: "RPC invocations that ended in an error, by error type (" + side + " side).",
			}, withExc)),
			duration: promreg.Register("rpc", reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
				Name:    prefix + "processing_seconds",
				Help:    "Time from start to end of an RPC invocation (" + side + " side).",
				Buckets: DurationBuckets,
			}, base)),
			inFlight: promreg.Register("rpc", reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
				Name: prefix + "in_flight",
				Help: "RPC invocations in progress (" + side + " side).",
			}, base)),
		}
		m.side[side] = sm
	}
	m.poolSize = promreg.Register("rpc", reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "novanats_rpc_server_worker_pool_size",
		Help: "Size of the server's worker pool (executor_thread_pool_size).",
	}, []string{"topic"}))
	m.poolBusy = promreg.Register("rpc", reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "novanats_rpc_server_worker_pool_busy",
		Help: "Workers of the server's pool running a handler.",
	}, []string{"topic"}))
	m.slowConsumers = promreg.Register("rpc", reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "novanats_rpc_server_slow_consumer_total",
		Help: "Slow-consumer events on the server's subscriptions (messages dropped by NATS).",
	}, []string{"topic"}))
	m.malformed = promreg.Register("rpc", reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "novanats_rpc_server_malformed_total",
		Help: "Messages that were not a valid request envelope.",
	}, []string{"topic"}))
	return m
}

// startServerCounters creates the per-topic event counters of a server at
// 0 when it starts. A counter series that appears only with its first
// event has no earlier sample for rate() or increase() to count from, and
// until then a dashboard panel of it is empty: a healthy server could not
// be told from one that exports nothing.
func (m *Metrics) startServerCounters(topic string) {
	m.slowConsumers.WithLabelValues(topic)
	m.malformed.WithLabelValues(topic)
}

// series are the metrics of one label set, looked up once and kept:
// WithLabelValues hashes the label values and takes a lock in each vector
// on every call, four times per invocation. The cache holds no more label
// sets than the vectors themselves do.
type series struct {
	sm       *sideMetrics
	labels   []string
	start    prometheus.Counter
	inFlight prometheus.Gauge
	duration prometheus.Observer
	endOK    prometheus.Counter // end with exception ""
}

type seriesKey struct {
	side, topic, method, callType, namespace, version, server string
}

func (m *Metrics) series(side, topic, method, callType, namespace, version, server string) *series {
	if !m.server {
		server = ""
	}
	key := seriesKey{side, topic, method, callType, namespace, version, server}
	if s, ok := m.cache.Load(key); ok {
		return s.(*series)
	}
	labels := []string{topic, method, callType, namespace, version}
	if m.server {
		labels = append(labels, server)
	}
	sm := m.side[side]
	s := &series{
		sm:       sm,
		labels:   labels,
		start:    sm.start.WithLabelValues(labels...),
		inFlight: sm.inFlight.WithLabelValues(labels...),
		duration: sm.duration.WithLabelValues(labels...),
		endOK:    sm.end.WithLabelValues(append(labels[:len(labels):len(labels)], "")...),
	}
	actual, _ := m.cache.LoadOrStore(key, s)
	return actual.(*series)
}

// invocation is one RPC being measured; the zero value measures nothing.
type invocation struct{ s *series }

func (m *Metrics) begin(side string, topic, method, callType, namespace, version, server string) invocation {
	if m == nil {
		return invocation{}
	}
	s := m.series(side, topic, method, callType, namespace, version, server)
	s.start.Inc()
	s.inFlight.Inc()
	return invocation{s: s}
}

// active says whether the invocation is measured (metrics are on).
func (inv invocation) active() bool { return inv.s != nil }

// finish records the end of an invocation that took seconds, with err's
// exception name ("" on success).
func (inv invocation) finish(seconds float64, err error) {
	s := inv.s
	if s == nil {
		return
	}
	s.inFlight.Dec()
	s.duration.Observe(seconds)
	if err == nil {
		s.endOK.Inc()
		return
	}
	withExc := append(s.labels[:len(s.labels):len(s.labels)], ExceptionName(err))
	s.sm.end.WithLabelValues(withExc...).Inc()
	s.sm.exceptions.WithLabelValues(withExc...).Inc()
}

// ExceptionName is the metrics label for err: the registered remote type
// name, the local error type, or "" for nil.
func ExceptionName(err error) string {
	if err == nil {
		return ""
	}
	var re *RemoteError
	if errors.As(err, &re) {
		return re.Type
	}
	var (
		nr *NoResponders
		to *MessagingTimeout
		mt *HeartbeatTimeout
	)
	switch {
	case errors.As(err, &nr):
		return "NoResponders"
	case errors.As(err, &mt):
		return "HeartbeatTimeout"
	case errors.As(err, &to):
		return "MessagingTimeout"
	}
	if we := toWire(err); we != nil {
		return strings.TrimPrefix(we.Type, "*")
	}
	return "Error"
}
