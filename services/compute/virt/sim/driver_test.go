package sim

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/novanats/novanats/services/compute/virt"
)

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		mutate func(*Options)
		want   string
	}{
		{func(o *Options) { o.LinkBandwidthMiBps = 0 }, "link bandwidth"},
		{func(o *Options) { o.LinkBandwidthMiBps = -10 }, "link bandwidth"},
		{func(o *Options) { o.VCPUs = 0 }, "vcpus"},
		{func(o *Options) { o.MemoryMB = -1 }, "memory_mb"},
		{func(o *Options) { o.LocalGB = -1 }, "local_gb"},
		{func(o *Options) { o.HypervisorType = "" }, "hypervisor type"},
		{func(o *Options) { o.DefaultDirtyRateMiBps = -1 }, "dirty rate"},
		{func(o *Options) { o.MonitorInterval = 0 }, "monitor interval"},
		{func(o *Options) { o.Migration.DowntimeMs = 10 }, "live_migration_downtime"},
	}
	for _, tt := range tests {
		opts := DefaultOptions()
		tt.mutate(&opts)
		_, err := New(opts)
		if !errors.Is(err, virt.ErrInvalidInput) || !contains(err.Error(), tt.want) {
			t.Errorf("New() = %v, want ErrInvalidInput naming %q", err, tt.want)
		}
	}
}

func TestInit(t *testing.T) {
	fabric := NewFabric()
	d, err := New(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ListInstances(); !errors.Is(err, errNotInitialized) {
		t.Errorf("before Init: %v", err)
	}
	if err := d.Spawn(context.Background(), spec(1024, 0)); !errors.Is(err, errNotInitialized) {
		t.Errorf("spawn before Init: %v", err)
	}
	if err := d.Init(""); !errors.Is(err, virt.ErrInvalidInput) {
		t.Errorf("empty host: %v", err)
	}
	if err := d.Init("a"); err != nil {
		t.Fatal(err)
	}
	if err := d.Init("b"); !errors.Is(err, virt.ErrInvalidState) {
		t.Errorf("second Init: %v", err)
	}
	// A restarted compute service initialises its hypervisor again.
	if err := d.Init("a"); err != nil || d.Host() != "a" {
		t.Errorf("Init again under the same name: %v (host %q)", err, d.Host())
	}
	newHost(t, "h1", fabric, nil, nil)
	other, _ := New(func() Options { o := DefaultOptions(); o.Fabric = fabric; return o }())
	if err := other.Init("h1"); !errors.Is(err, virt.ErrInvalidInput) {
		t.Errorf("duplicate host on the fabric: %v", err)
	}
	if hosts := fabric.Hosts(); !reflect.DeepEqual(hosts, []string{"h1"}) {
		t.Errorf("fabric hosts %v", hosts)
	}
}

func TestGuestLifecycle(t *testing.T) {
	ctx := context.Background()
	d := newHost(t, "h", nil, nil, func(o *Options) { o.VCPUs, o.MemoryMB, o.LocalGB = 8, 16384, 100 })
	a := virt.GuestSpec{UUID: "b-guest", VCPUs: 2, MemoryMB: 2048, DiskGB: 20}
	b := virt.GuestSpec{UUID: "a-guest", VCPUs: 4, MemoryMB: 4096, DiskGB: 40, DirtyRateMiBps: 99}
	spawn(t, d, a)
	spawn(t, d, b)

	if err := d.Spawn(ctx, a); !errors.Is(err, virt.ErrInstanceExists) {
		t.Errorf("duplicate spawn: %v", err)
	}
	if err := d.Spawn(ctx, virt.GuestSpec{UUID: "x", VCPUs: 1, MemoryMB: 0}); !errors.Is(err, virt.ErrInvalidInput) || !contains(err.Error(), "memory_mb") {
		t.Errorf("bad spec: %v", err)
	}
	ids, _ := d.ListInstances()
	if !reflect.DeepEqual(ids, []string{"a-guest", "b-guest"}) {
		t.Errorf("ListInstances = %v", ids)
	}
	res, _ := d.GetAvailableResource()
	want := virt.HostResources{VCPUs: 8, MemoryMB: 16384, LocalGB: 100, VCPUsUsed: 6, MemoryMBUsed: 6144, LocalGBUsed: 60,
		HypervisorType: "sim", HypervisorVersion: 1000000, HypervisorHostname: "h"}
	if res != want {
		t.Errorf("resources %+v, want %+v", res, want)
	}
	if info, _ := d.Guest("b-guest"); info.Spec.DirtyRateMiBps != DefaultOptions().DefaultDirtyRateMiBps {
		t.Errorf("default dirty rate not applied: %+v", info.Spec)
	}
	if info, _ := d.Guest("a-guest"); info.Spec.DirtyRateMiBps != 99 {
		t.Errorf("dirty rate from spec lost: %+v", info.Spec)
	}

	if err := d.Unpause(ctx, "a-guest"); !errors.Is(err, virt.ErrInvalidState) {
		t.Errorf("unpause running guest: %v", err)
	}
	if err := d.Pause(ctx, "a-guest"); err != nil {
		t.Fatal(err)
	}
	if p := power(t, d, "a-guest"); p != virt.PowerPaused {
		t.Errorf("after pause: %s", p)
	}
	if err := d.Pause(ctx, "a-guest"); !errors.Is(err, virt.ErrInvalidState) {
		t.Errorf("pause paused guest: %v", err)
	}
	if err := d.Unpause(ctx, "a-guest"); err != nil || power(t, d, "a-guest") != virt.PowerRunning {
		t.Errorf("unpause: %v", err)
	}

	if err := d.Destroy(ctx, "a-guest"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"destroy":    d.Destroy(ctx, "a-guest"),
		"pause":      d.Pause(ctx, "a-guest"),
		"dirty rate": d.SetDirtyRate("a-guest", 1),
	} {
		if !errors.Is(err, virt.ErrInstanceNotFound) || !contains(err.Error(), "a-guest") {
			t.Errorf("%s of a destroyed guest: %v", name, err)
		}
	}
	if _, err := d.PowerState(""); !errors.Is(err, virt.ErrInvalidInput) {
		t.Errorf("empty uuid: %v", err)
	}
}

func TestWorkloadSettersValidate(t *testing.T) {
	d := newHost(t, "h", nil, nil, nil)
	spawn(t, d, spec(1024, 0))
	if err := d.SetDirtyRate(uuid1, -1); !errors.Is(err, virt.ErrInvalidInput) {
		t.Errorf("negative dirty rate: %v", err)
	}
	if err := d.SetWorkingSet(uuid1, 2048); !errors.Is(err, virt.ErrInvalidInput) || !contains(err.Error(), "1024") {
		t.Errorf("working set above memory: %v", err)
	}
	if err := d.SetWorkingSet(uuid1, 512); err != nil {
		t.Fatal(err)
	}
	if info, _ := d.Guest(uuid1); info.WorkingSetMiB != 512 {
		t.Errorf("working set %v", info.WorkingSetMiB)
	}
}

// A guest being migrated belongs to the migration.
func TestMigratingGuestIsLocked(t *testing.T) {
	ctx := context.Background()
	src, dst := newPair(t, nil)
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)
	var errs map[string]error
	rec := recorder{react: once(func(virt.JobStats) bool { return true }, func() {
		errs = map[string]error{
			"destroy":   src.Destroy(ctx, uuid1),
			"pause":     src.Pause(ctx, uuid1),
			"migrate":   src.LiveMigration(ctx, uuid1, "dst", data, nil),
			"dst pause": dst.Pause(ctx, uuid1),
		}
		if err := src.LiveMigrationAbort(uuid1); err != nil {
			t.Error(err)
		}
	})}
	_ = src.LiveMigration(ctx, uuid1, "dst", data, rec.progress)
	for name, err := range errs {
		if !errors.Is(err, virt.ErrMigrationInProgress) {
			t.Errorf("%s during migration: %v, want ErrMigrationInProgress", name, err)
		}
	}
	if len(errs) != 4 {
		t.Fatalf("checks did not run: %v", errs)
	}
}

// The accelerated clock runs nova's timings in a fraction of wall time: a
// migration that times out after 1600 s of clock time takes 16 ms at
// speed 100000.
func TestAcceleratedClockRunsAFullMigration(t *testing.T) {
	clock, err := NewAcceleratedClock(100000)
	if err != nil {
		t.Fatal(err)
	}
	fabric := NewFabric()
	src := newHost(t, "src", fabric, clock, nil)
	dst := newHost(t, "dst", fabric, clock, nil)
	spawn(t, src, dirtier())
	data := prepare(t, src, dst, dirtier(), nil)

	began := time.Now()
	err = src.LiveMigration(context.Background(), uuid1, "dst", data, nil)
	var aborted *virt.MigrationAborted
	if !errors.As(err, &aborted) || aborted.Reason != virt.AbortCompletionTimeout || aborted.Elapsed != secs(1600.5) {
		t.Fatalf("err = %v, want the completion timeout at 1600.5s of clock time", err)
	}
	if wall := time.Since(began); wall > 10*time.Second {
		t.Errorf("took %s of wall time", wall)
	}
}
