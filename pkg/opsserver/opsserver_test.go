package opsserver

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEndpoints(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "probe_total", Help: "probe"})
	reg.MustRegister(c)
	c.Add(3)
	s := New(reg)
	var natsUp atomic.Bool
	s.AddCheck("nats", func() error {
		if !natsUp.Load() {
			return errors.New("not connected")
		}
		return nil
	})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(t.Context()) })
	base := "http://" + s.Addr()

	if code, body := get(t, base+"/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("healthz = %d %q", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.Contains(body, "nats: not connected") {
		t.Fatalf("readyz while not ready = %d %q", code, body)
	}
	natsUp.Store(true)
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("readyz when ready = %d", code)
	}
	if code, body := get(t, base+"/metrics"); code != 200 || !strings.Contains(body, "probe_total 3") {
		t.Fatalf("metrics = %d %q", code, body)
	}
}

// A library's own registry added with AddGatherer shows on /metrics beside
// the process's, and one added after Start too.
func TestAddGathererMergesRegistries(t *testing.T) {
	counter := func(reg *prometheus.Registry, name string, v float64) {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: name})
		reg.MustRegister(c)
		c.Add(v)
	}
	own, lib := prometheus.NewRegistry(), prometheus.NewRegistry()
	counter(own, "own_total", 1)
	counter(lib, "library_total", 2)
	s := New(own)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(t.Context()) })
	url := "http://" + s.Addr() + "/metrics"
	if _, body := get(t, url); strings.Contains(body, "library_total") {
		t.Fatalf("library metrics before AddGatherer:\n%s", body)
	}
	s.AddGatherer(lib)
	code, body := get(t, url)
	if code != 200 || !strings.Contains(body, "own_total 1") || !strings.Contains(body, "library_total 2") {
		t.Fatalf("metrics = %d:\n%s", code, body)
	}
}
