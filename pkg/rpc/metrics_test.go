package rpc

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

func TestMetricsCountWhatWasSent(t *testing.T) {
	_, nc := env(t)
	reg := newRegistry()
	m := NewMetrics(reg)
	ts := startService(t, nc, "host-a", ServerMetrics(m))
	c := newTestClient(t, nc, WithMetrics(m))

	const okCalls, errCalls, casts = 5, 2, 3
	for i := 0; i < okCalls; i++ {
		if _, err := mEcho.Invoke(t.Context(), c, echoArgs{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < errCalls; i++ {
		if _, err := mFail.Invoke(t.Context(), c, echoArgs{Text: "notfound"}); err == nil {
			t.Fatal("fail succeeded")
		}
	}
	for i := 0; i < casts; i++ {
		if err := mNotify.Cast(t.Context(), c, echoArgs{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < casts; i++ {
		<-ts.casts // the handlers ran; the server records each cast once its handler returns
	}
	serverCastEnd := m.side["server"].end.WithLabelValues("svc", "notify", "cast", "", "1.0", "")
	waitFor(t, func() bool { return testutil.ToFloat64(serverCastEnd) == casts })
	// a no-responders call is counted with its exception
	_, err := mEcho.Invoke(t.Context(), c.MustPrepare(ToServer("ghost")), echoArgs{})
	if !errors.Is(err, ErrNoResponders) {
		t.Fatal(err)
	}

	echo := []string{"svc", "echo", "call", "", "1.0"}
	fail := []string{"svc", "fail", "call", "", "1.0"}
	notify := []string{"svc", "notify", "cast", "", "1.0"}
	client := m.side["client"]
	server := m.side["server"]
	checks := []struct {
		name string
		got  float64
		want float64
	}{
		{"client start echo", testutil.ToFloat64(client.start.WithLabelValues(echo...)), okCalls + 1},
		{"client end echo ok", testutil.ToFloat64(client.end.WithLabelValues(append(echo, "")...)), okCalls},
		{"client end echo NoResponders", testutil.ToFloat64(client.end.WithLabelValues(append(echo, "NoResponders")...)), 1},
		{"client exceptions fail", testutil.ToFloat64(client.exceptions.WithLabelValues(append(fail, "InstanceNotFound")...)), errCalls},
		{"client start cast", testutil.ToFloat64(client.start.WithLabelValues(notify...)), casts},
		{"client in flight", testutil.ToFloat64(client.inFlight.WithLabelValues(echo...)), 0},
		{"server start echo", testutil.ToFloat64(server.start.WithLabelValues(echo...)), okCalls},
		{"server exceptions fail", testutil.ToFloat64(server.exceptions.WithLabelValues(append(fail, "InstanceNotFound")...)), errCalls},
		{"server end cast", testutil.ToFloat64(server.end.WithLabelValues(append(notify, "")...)), casts},
		{"pool size", testutil.ToFloat64(m.poolSize.WithLabelValues("svc")), DefaultWorkerPool},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	if n := histogramCount(t, reg, "novanats_rpc_client_processing_seconds", "echo"); n != okCalls+1 {
		t.Errorf("client histogram count for echo = %d, want %d", n, okCalls+1)
	}
	if n := histogramCount(t, reg, "novanats_rpc_server_processing_seconds", "fail"); n != errCalls {
		t.Errorf("server histogram count for fail = %d, want %d", n, errCalls)
	}
	// the server side finishes its bookkeeping after the reply is sent
	waitFor(t, func() bool {
		return testutil.ToFloat64(server.inFlight.WithLabelValues(echo...)) == 0
	})
}

func TestMetricsServerLabelIsOptIn(t *testing.T) {
	_, nc := env(t)
	reg := newRegistry()
	m := NewMetrics(reg, MetricsWithServerLabel())
	startService(t, nc, "host-a", ServerMetrics(m))
	c := newTestClient(t, nc, WithMetrics(m))
	if _, err := mEcho.Invoke(t.Context(), c.MustPrepare(ToServer("host-a")), echoArgs{}); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m.side["client"].start.WithLabelValues("svc", "echo", "call", "", "1.0", "host-a")); got != 1 {
		t.Fatalf("per-server series = %v, want 1", got)
	}
	// A second NewMetrics on the same registry reuses the collectors.
	m2 := NewMetrics(reg, MetricsWithServerLabel())
	if m2.side["client"].start != m.side["client"].start {
		t.Fatal("second NewMetrics did not reuse the registered collectors")
	}
}

// A started server exports its slow-consumer and malformed counters at 0
// for its topic, before any event, so a dashboard graphs them and rate()
// counts the first event; a malformed request then counts 1.
func TestMetricsServerCountersStartAtZero(t *testing.T) {
	_, nc := env(t)
	reg := newRegistry()
	m := NewMetrics(reg)
	startService(t, nc, "host-a", ServerMetrics(m))

	const slow, malformed = "novanats_rpc_server_slow_consumer_total", "novanats_rpc_server_malformed_total"
	for _, name := range []string{slow, malformed} {
		if v, ok := scrapedCounter(t, reg, name, "svc"); !ok || v != 0 {
			t.Errorf("%s{topic=\"svc\"} after Start: %v (present %v), want 0", name, v, ok)
		}
	}

	// The server counts the message before it replies.
	if _, err := nc.Request("svc.host-a", []byte("\xc1\xff garbage \x00"), 5*time.Second); err != nil {
		t.Fatalf("no reply to a malformed request: %v", err)
	}
	if v, ok := scrapedCounter(t, reg, malformed, "svc"); !ok || v != 1 {
		t.Errorf("%s{topic=\"svc\"} after a malformed request: %v (present %v), want 1", malformed, v, ok)
	}
	if v, ok := scrapedCounter(t, reg, slow, "svc"); !ok || v != 0 {
		t.Errorf("%s{topic=\"svc\"} after a malformed request: %v (present %v), want 0", slow, v, ok)
	}
}

// scrapedCounter is the value of counter name for topic as a scrape of reg
// sees it, and whether the series exists at all.
func scrapedCounter(t *testing.T, reg *prometheus.Registry, name, topic string) (float64, bool) {
	t.Helper()
	m := scraped(t, reg, name, "topic", topic)
	return m.GetCounter().GetValue(), m != nil
}

func histogramCount(t *testing.T, reg *prometheus.Registry, name, method string) uint64 {
	t.Helper()
	return scraped(t, reg, name, "method", method).GetHistogram().GetSampleCount()
}

// scraped is the series of metric name whose label is value in a scrape
// of reg, or nil.
func scraped(t *testing.T, reg *prometheus.Registry, name, label, value string) *dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, metric := range mf.GetMetric() {
			if labelValue(metric, label) == value {
				return metric
			}
		}
	}
	return nil
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

var _ = time.Second
