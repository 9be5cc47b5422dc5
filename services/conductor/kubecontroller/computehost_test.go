package kubecontroller

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
	"github.com/novanats/novanats/pkg/servicegroup"
)

// A report alone does not rewrite the ComputeHost until the written
// heartbeat is half a service_down_time old; any other change writes the
// latest heartbeat with it.
func TestThrottleHeartbeat(t *testing.T) {
	r := &computeHosts{sg: servicegroup.Config{ReportInterval: 10 * time.Second, ServiceDownTime: 60 * time.Second}}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { m := metav1.NewTime(t0.Add(d)); return &m }
	for _, c := range []struct {
		name      string
		after     time.Duration
		instances int32
		want      time.Duration
	}{
		{"report 10s later: kept", 10 * time.Second, 0, 0},
		{"report 29s later: kept", 29 * time.Second, 0, 0},
		{"report 30s later: written", 30 * time.Second, 0, 30 * time.Second},
		{"report and another change: written", 10 * time.Second, 1, 10 * time.Second},
	} {
		before := &novav1.ComputeHostStatus{Up: true, LastHeartbeat: at(0)}
		after := &novav1.ComputeHostStatus{Up: true, LastHeartbeat: at(c.after), Instances: c.instances}
		r.throttleHeartbeat(before, after)
		if !after.LastHeartbeat.Time.Equal(t0.Add(c.want)) {
			t.Errorf("%s: heartbeat %s, want %s", c.name, after.LastHeartbeat.Sub(t0), c.want)
		}
	}
}
