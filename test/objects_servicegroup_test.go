package test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
)

// A compute reports its state every report_interval through the
// conductor; the store stamps last_seen_up with its clock, and liveness
// follows nova's rules: down after service_down_time without a report
// (raised to 2.5x report_interval when it is not longer than it), and down
// at once when forced down.
func TestServiceGroupThroughConductor(t *testing.T) {
	c := startCloud(t)
	ctx := objCtx(t)
	x := c.compute(t)

	// report_interval 10s with service_down_time 10s: nova raises the down
	// time to 25s.
	cfg := servicegroup.Config{ReportInterval: 10 * time.Second, ServiceDownTime: 10 * time.Second}

	svc := new(objects.Service)
	svc.Host.Set("cmp1")
	svc.Binary.Set("nova-compute")
	svc.Topic.Set("compute")
	svc.Disabled.Set(false)
	svc.ReportCount.Set(0)
	svc.Version.Set(1)
	if err := x.Create(ctx, svc); err != nil {
		t.Fatal(err)
	}

	reports := make(chan error)
	report := x.ServiceReporter("cmp1", "nova-compute")
	rep := servicegroup.NewReporter(cfg, c.clock, func(ctx context.Context) error {
		err := report(ctx)
		select {
		case reports <- err:
		case <-ctx.Done():
		}
		return err
	}, nil)
	repCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); rep.Run(repCtx) }()
	t.Cleanup(func() { stop(); <-done })

	waitReport := func() {
		t.Helper()
		select {
		case err := <-reports:
			if err != nil {
				t.Fatalf("report through the conductor: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no report")
		}
	}
	isUp := func() bool {
		t.Helper()
		sv, err := c.store.Services.Get(ctx, "cmp1", "nova-compute")
		if err != nil {
			t.Fatal(err)
		}
		return store.IsUp(sv, cfg, c.clock.Now())
	}

	waitReport() // at once on start
	if err := c.clock.WaitForTickers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if !isUp() {
		t.Fatal("down right after its first report")
	}
	for i := 1; i <= 3; i++ {
		c.clock.Advance(10 * time.Second)
		waitReport()
	}
	sv, _ := c.store.Services.Get(ctx, "cmp1", "nova-compute")
	if sv.ReportCount.Get() != 4 || !sv.LastSeenUp.Get().Equal(objT0.Add(30*time.Second)) {
		t.Fatalf("after 4 reports: report_count %d, last_seen_up %v", sv.ReportCount.Get(), sv.LastSeenUp.Get())
	}

	// The compute stops reporting (it hangs). Up to 25s later it is up,
	// past that it is down.
	stop()
	<-done
	c.clock.Advance(25 * time.Second)
	if !isUp() {
		t.Fatal("down 25s after the last report, although the 2.5x rule gives 25s")
	}
	c.clock.Advance(time.Second)
	if isUp() {
		t.Fatal("up 26s after the last report")
	}

	// Reporting again brings it back; forced_down takes it down at once
	// whatever its reports say.
	if err := report(ctx); err != nil {
		t.Fatal(err)
	}
	if !isUp() {
		t.Fatal("down after reporting again")
	}
	if _, err := c.store.Services.Update(ctx, "cmp1", "nova-compute", func(s *objects.Service) error {
		s.ForcedDown.Set(true)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := report(ctx); err != nil {
		t.Fatal(err)
	}
	if isUp() {
		t.Fatal("a forced-down service that reports is up")
	}
	// The conductor reports for itself straight to the store.
	cond, err := c.store.Services.Get(ctx, "conductor-1", "nova-conductor")
	if err != nil || cond.ReportCount.Get() < 1 || !cond.LastSeenUp.Get().Equal(objT0) {
		t.Fatalf("conductor's own record: %v %v", cond, err)
	}
	// A report for a service that was never created fails clearly.
	if err := x.ServiceReporter("cmp9", "nova-compute")(ctx); !errors.As(err, new(*exception.HostBinaryNotFound)) {
		t.Fatalf("report of an unknown service: %v", err)
	}
}
