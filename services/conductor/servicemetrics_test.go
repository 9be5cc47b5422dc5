package conductor

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
)

// The collector judges each service as the service group does, at scrape
// time on the store's clock: one that reported recently is up, one whose
// last report is older than service_down_time is down, one forced down is
// down however recent its report, and disabled is exported on its own.
func TestServiceCollector(t *testing.T) {
	srv := rpctest.StartServer(t)
	js, err := jetstream.New(rpctest.Connect(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	clock := servicegroup.NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	st, err := store.Open(t.Context(), js, store.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	add := func(host, binary, topic string, edit func(*objects.Service)) {
		t.Helper()
		sv := new(objects.Service)
		sv.Host.Set(host)
		sv.Binary.Set(binary)
		sv.Topic.Set(topic)
		sv.Disabled.Set(false)
		sv.ReportCount.Set(0)
		sv.Version.Set(1)
		if err := st.Services.Create(t.Context(), sv); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Services.Report(t.Context(), host, binary); err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			if _, err := st.Services.Update(t.Context(), host, binary, func(s *objects.Service) error { edit(s); return nil }); err != nil {
				t.Fatal(err)
			}
		}
	}
	// cmp-stale reports first; two minutes later (beyond the 60 s
	// service_down_time) the others report.
	add("cmp-stale", "nova-compute", "compute", nil)
	clock.Advance(2 * time.Minute)
	add("cmp-ok", "nova-compute", "compute", nil)
	add("cmp-forced", "nova-compute", "compute", func(s *objects.Service) { s.ForcedDown.Set(true) })
	add("cmp-disabled", "nova-compute", "compute", func(s *objects.Service) { s.Disabled.Set(true) })
	add("sched-1", "nova-scheduler", "scheduler", nil)

	c := NewServiceCollector(st, servicegroup.Config{ReportInterval: 10 * time.Second, ServiceDownTime: 60 * time.Second}, nil)
	want := `
# HELP novanats_service_disabled 1 if the service is disabled (host disable: the scheduler places nothing on it), else 0.
# TYPE novanats_service_disabled gauge
novanats_service_disabled{host="cmp-disabled",topic="compute"} 1
novanats_service_disabled{host="cmp-forced",topic="compute"} 0
novanats_service_disabled{host="cmp-ok",topic="compute"} 0
novanats_service_disabled{host="cmp-stale",topic="compute"} 0
novanats_service_disabled{host="sched-1",topic="scheduler"} 0
# HELP novanats_service_up 1 if the service group considers the service up (reported within service_down_time, not forced down), else 0.
# TYPE novanats_service_up gauge
novanats_service_up{host="cmp-disabled",topic="compute"} 1
novanats_service_up{host="cmp-forced",topic="compute"} 0
novanats_service_up{host="cmp-ok",topic="compute"} 1
novanats_service_up{host="cmp-stale",topic="compute"} 0
novanats_service_up{host="sched-1",topic="scheduler"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
	// Computed at each scrape: once the clock passes service_down_time
	// for everyone, every service is down.
	clock.Advance(2 * time.Minute)
	allDown := `
# HELP novanats_service_up 1 if the service group considers the service up (reported within service_down_time, not forced down), else 0.
# TYPE novanats_service_up gauge
novanats_service_up{host="cmp-disabled",topic="compute"} 0
novanats_service_up{host="cmp-forced",topic="compute"} 0
novanats_service_up{host="cmp-ok",topic="compute"} 0
novanats_service_up{host="cmp-stale",topic="compute"} 0
novanats_service_up{host="sched-1",topic="scheduler"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(allDown), "novanats_service_up"); err != nil {
		t.Fatal(err)
	}
}
