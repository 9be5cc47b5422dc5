package sim

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/novanats/novanats/services/compute/virt"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const uuid1 = "11111111-1111-1111-1111-111111111111"

// newHost builds and initialises a host on the fabric.
func newHost(t *testing.T, name string, fabric *Fabric, clock Clock, mutate func(*Options)) *Driver {
	t.Helper()
	opts := DefaultOptions()
	opts.Clock, opts.Fabric = clock, fabric
	if mutate != nil {
		mutate(&opts)
	}
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Init(name); err != nil {
		t.Fatal(err)
	}
	return d
}

// newPair returns a source and a destination sharing a fabric and an
// auto-advancing virtual clock: migrations run instantly and
// deterministically. mutate applies to both hosts.
func newPair(t *testing.T, mutate func(*Options)) (src, dst *Driver) {
	t.Helper()
	fabric, clock := NewFabric(), NewAutoStepClock(epoch)
	return newHost(t, "src", fabric, clock, mutate), newHost(t, "dst", fabric, clock, mutate)
}

// spec is a boot-from-volume guest (no local disk), so it migrates without
// shared storage or block migration.
func spec(memMB int, dirtyMiBps float64) virt.GuestSpec {
	return virt.GuestSpec{UUID: uuid1, Name: "vm", VCPUs: 2, MemoryMB: memMB, DirtyRateMiBps: dirtyMiBps}
}

func spawn(t *testing.T, d *Driver, g virt.GuestSpec) {
	t.Helper()
	if err := d.Spawn(context.Background(), g); err != nil {
		t.Fatal(err)
	}
}

// prepare runs nova's steps before the migration: both pre-checks and
// pre_live_migration on the destination.
func prepare(t *testing.T, src, dst *Driver, g virt.GuestSpec, block *bool) virt.LiveMigrateData {
	t.Helper()
	ctx := context.Background()
	data, err := dst.CheckCanLiveMigrateDestination(ctx, virt.LiveMigrateCheck{Guest: g, SourceHost: src.Host(), BlockMigration: block})
	if err != nil {
		t.Fatal(err)
	}
	if data, err = src.CheckCanLiveMigrateSource(ctx, g.UUID, data); err != nil {
		t.Fatal(err)
	}
	if data, err = dst.PreLiveMigration(ctx, g, data); err != nil {
		t.Fatal(err)
	}
	return data
}

// recorder collects progress reports; react, if set, runs on each.
type recorder struct {
	mu    sync.Mutex
	all   []virt.JobStats
	react func(virt.JobStats)
}

func (r *recorder) progress(s virt.JobStats) {
	r.mu.Lock()
	r.all = append(r.all, s)
	r.mu.Unlock()
	if r.react != nil {
		r.react(s)
	}
}

func (r *recorder) stats() []virt.JobStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]virt.JobStats(nil), r.all...)
}

func (r *recorder) last(t *testing.T) virt.JobStats {
	t.Helper()
	all := r.stats()
	if len(all) == 0 {
		t.Fatal("no progress reported")
	}
	return all[len(all)-1]
}

// first returns the first report matching ok.
func (r *recorder) first(t *testing.T, ok func(virt.JobStats) bool) virt.JobStats {
	t.Helper()
	for _, s := range r.stats() {
		if ok(s) {
			return s
		}
	}
	t.Fatal("no matching progress report")
	return virt.JobStats{}
}

// once returns a function running f the first time cond holds.
func once(cond func(virt.JobStats) bool, f func()) func(virt.JobStats) {
	var done bool
	return func(s virt.JobStats) {
		if !done && cond(s) {
			done = true
			f()
		}
	}
}

func power(t *testing.T, d *Driver, uuid string) virt.PowerState {
	t.Helper()
	p, err := d.PowerState(uuid)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func secs(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
