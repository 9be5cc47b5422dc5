package promreg

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRegisterReturnsTheFirstOfTwo(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := prometheus.CounterOpts{Name: "x_total", Help: "x"}
	first := Register("t", reg, prometheus.NewCounterVec(opts, []string{"a"}))
	second := Register("t", reg, prometheus.NewCounterVec(opts, []string{"a"}))
	if first != second {
		t.Fatal("second registration did not return the first collector")
	}
}

func TestRegisterWithoutRegistry(t *testing.T) {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "y_total", Help: "y"})
	if got := Register[prometheus.Counter]("t", nil, c); got != c {
		t.Fatal("nil registry must return the collector itself")
	}
}

func TestRegisterConflictPanicsNamingOwner(t *testing.T) {
	reg := prometheus.NewRegistry()
	Register("owner-a", reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "z_total", Help: "z"}, []string{"a"}))
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "owner-b") {
			t.Fatalf("panic %v does not name the owner", r)
		}
	}()
	Register("owner-b", reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "z_total", Help: "other help"}, []string{"b"}))
}
