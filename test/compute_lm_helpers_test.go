package test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/compute/virt/sim"
)

// The compute side of live migration, driven over RPC the way the
// conductor drives it: the tests here play the conductor's part
// (task_state, Migration record, placement moves and claims, the
// destination check), so that they exercise the compute alone.

// clmSpeed is how much faster than the wall clock the hypervisors run: a
// 2 GiB guest crosses the 1 GiB/s link in about 2 s of hypervisor time,
// 10 ms here, and nova's 0.5 s monitor tick is 2.5 ms. A guest that never
// converges keeps its migration running until the test acts.
const clmSpeed = 200

// clmCloud is a computeCloud with live-migrating computes: each host has a
// simulated hypervisor on one fabric and one accelerated clock, its own
// Prometheus registry, and the configuration it was started with.
type clmCloud struct {
	*computeCloud
	clock    sim.Clock
	drivers  map[string]*sim.Driver
	computes map[string]*compute.Service
	regs     map[string]*prometheus.Registry
	cfgs     map[string]compute.Config
	watch    *clmMigrationLog
}

// clmOption adjusts a compute's configuration before it starts.
type clmOption func(*compute.Config)

// clmPostCopy permits post-copy (live_migration_permit_post_copy).
func clmPostCopy(c *compute.Config) { c.LiveMigrationPermitPostCopy = true }

// clmNoTimeout disables live_migration_completion_timeout, so that a
// guest that never converges migrates until the test acts.
func clmNoTimeout(c *compute.Config) { c.LiveMigrationCompletionTimeout = 0 }

// clmMaxConcurrent sets max_concurrent_live_migrations.
func clmMaxConcurrent(n int) clmOption {
	return func(c *compute.Config) { c.MaxConcurrentLiveMigrations = n }
}

// startCLM starts the cloud and one compute per host, each with opts.
func startCLM(t *testing.T, hosts []string, opts ...clmOption) *clmCloud {
	t.Helper()
	clock, err := sim.NewAcceleratedClock(clmSpeed)
	if err != nil {
		t.Fatal(err)
	}
	c := &clmCloud{
		computeCloud: startComputeCloud(t), clock: clock,
		drivers: map[string]*sim.Driver{}, computes: map[string]*compute.Service{},
		regs: map[string]*prometheus.Registry{}, cfgs: map[string]compute.Config{},
	}
	c.watch = c.watchMigrations(t)
	for _, h := range hosts {
		c.startHost(t, h, opts...)
	}
	return c
}

// startHost starts (or restarts, with a new hypervisor) the compute of h.
func (c *clmCloud) startHost(t *testing.T, h string, opts ...clmOption) *compute.Service {
	t.Helper()
	cfg := c.computeConfig(h)
	for _, o := range opts {
		o(&cfg)
	}
	reg := prometheus.NewRegistry()
	cfg.Registerer, cfg.Metrics = reg, rpc.NewMetrics(reg)
	so := sim.DefaultOptions()
	so.VCPUs, so.MemoryMB, so.LocalGB = cmpVCPUs, cmpMemoryMB, cmpLocalGB
	so.Clock, so.Fabric = c.clock, c.fabric
	so.SharedStorage = "nfs" // no block migration: the guests' disks stay put
	so.Migration = cfg.Migration()
	drv, err := sim.New(so)
	if err != nil {
		t.Fatal(err)
	}
	c.drivers[h], c.regs[h], c.cfgs[h] = drv, reg, cfg
	svc := c.startCompute(t, cfg, drv)
	c.computes[h] = svc
	return svc
}

// clmMigration is one live migration the test set up as the conductor
// would, ready for live_migration.
type clmMigration struct {
	inst      *objects.Instance
	migration *objects.Migration
	data      *objects.LiveMigrateData
	src, dest string
	ctx       context.Context // carries the request of the live-migration action
}

// prepare does the conductor's part of a live migration of inst from src
// to dest: the action, task_state migrating, the Migration record
// (accepted), the source allocation moved to the migration consumer and
// the instance's claim on dest, then check_can_live_migrate_destination.
func (c *clmCloud) prepare(t *testing.T, inst *objects.Instance, src, dest string) *clmMigration {
	t.Helper()
	ctx := objCtx(t)
	uuid := inst.UUID.Get()
	lctx := c.newAction(t, uuid, "live-migration")
	got, err := c.store.Instances.Update(ctx, uuid, func(i *objects.Instance) error {
		i.TaskState.Set(objects.TaskMigrating)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mig := new(objects.Migration)
	mig.UUID.Set(newObjUUID())
	mig.InstanceUUID.Set(uuid)
	mig.SourceCompute.Set(src)
	mig.SourceNode.Set(src)
	mig.DestCompute.Set(dest)
	mig.DestNode.Set(dest)
	mig.DestHost.Set(dest)
	mig.MigrationType.Set(objects.MigrationTypeLiveMigration)
	mig.Status.Set(objects.MigrationAccepted)
	if err := c.store.Migrations.Create(ctx, mig); err != nil {
		t.Fatal(err)
	}
	if err := c.placement.Move(ctx, placement.Node{Host: src, Nodename: src}, uuid, mig.UUID.Get()); err != nil {
		t.Fatal(err)
	}
	c.claim(t, dest, uuid)
	data, err := c.api.CheckCanLiveMigrateDestination(lctx, dest, got, nil, false, mig)
	if err != nil {
		t.Fatalf("check_can_live_migrate_destination: %v", err)
	}
	return &clmMigration{inst: got, migration: mig, data: data, src: src, dest: dest, ctx: lctx}
}

// start casts live_migration to the source.
func (c *clmCloud) start(t *testing.T, lm *clmMigration) {
	t.Helper()
	if err := c.api.LiveMigration(lm.ctx, lm.src, lm.inst, lm.dest, false, lm.migration, lm.data); err != nil {
		t.Fatal(err)
	}
}

// awaitStatus waits until the migration is in status.
func (c *clmCloud) awaitStatus(t *testing.T, lm *clmMigration, status objects.MigrationStatus) {
	t.Helper()
	c.watch.await(t, "migration "+string(status), func() bool {
		h := c.watch.history(lm.migration.UUID.Get())
		return len(h) > 0 && h[len(h)-1] == status
	})
}

// migration reads the migration's record.
func (c *clmCloud) migration(t *testing.T, lm *clmMigration) *objects.Migration {
	t.Helper()
	m, err := c.store.Migrations.Get(objCtx(t), lm.migration.ID.Get())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// instance reads the instance's record.
func (c *clmCloud) instance(t *testing.T, lm *clmMigration) *objects.Instance {
	t.Helper()
	i, err := c.store.Instances.Get(objCtx(t), lm.inst.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// allocations is where placement has the consumer's claims, host names
// sorted and joined ("" for none).
func (c *clmCloud) allocations(t *testing.T, consumer string) string {
	t.Helper()
	a, err := c.placement.Allocations(objCtx(t), consumer)
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for n := range a {
		hosts = append(hosts, n.Host)
	}
	sortStrings(hosts)
	return strings.Join(hosts, ",")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// assertRolledBack checks what a failed or cancelled live migration must
// leave: the migration in status, the instance on src with no task and
// its guest still there, claimed in placement on src alone by the
// instance, nothing held by the migration, and no guest left on dest.
func (c *clmCloud) assertRolledBack(t *testing.T, lm *clmMigration, status objects.MigrationStatus) {
	t.Helper()
	c.awaitStatus(t, lm, status)
	uuid := lm.inst.UUID.Get()
	inst := c.instance(t, lm)
	if inst.Host.Get() != lm.src || inst.Node.Get() != lm.src {
		t.Errorf("instance on %s/%s after the rollback, want the source %s", inst.Host.Get(), inst.Node.Get(), lm.src)
	}
	if ts, ok := inst.TaskState.Lookup(); ok {
		t.Errorf("task_state %q after the rollback, want none", ts)
	}
	if got := c.allocations(t, uuid); got != lm.src {
		t.Errorf("instance allocations on %q after the rollback, want %q", got, lm.src)
	}
	if got := c.allocations(t, lm.migration.UUID.Get()); got != "" {
		t.Errorf("migration consumer still holds allocations on %q", got)
	}
	if _, err := c.drivers[lm.src].Guest(uuid); err != nil {
		t.Errorf("guest not on the source after the rollback: %v", err)
	}
	// The rollback at the destination is a cast: its event says when it
	// has run.
	c.awaitEvent(t, lm.ctx, uuid, compute.EventRollbackLiveMigrationAtDestination)
	if _, err := c.drivers[lm.dest].Guest(uuid); err == nil {
		t.Errorf("destination %s still holds the prepared guest", lm.dest)
	}
}

// assertCompleted checks what a completed live migration must leave: the
// instance on dest with no task, claimed there alone, the migration
// consumer holding nothing, the guest running on dest and gone from src.
func (c *clmCloud) assertCompleted(t *testing.T, lm *clmMigration) {
	t.Helper()
	c.awaitStatus(t, lm, objects.MigrationCompleted)
	uuid := lm.inst.UUID.Get()
	inst := c.instance(t, lm)
	if inst.Host.Get() != lm.dest || inst.Node.Get() != lm.dest {
		t.Errorf("instance on %s/%s, want the destination %s", inst.Host.Get(), inst.Node.Get(), lm.dest)
	}
	if ts, ok := inst.TaskState.Lookup(); ok {
		t.Errorf("task_state %q after the migration, want none", ts)
	}
	if got := c.allocations(t, uuid); got != lm.dest {
		t.Errorf("instance allocations on %q, want %q", got, lm.dest)
	}
	if got := c.allocations(t, lm.migration.UUID.Get()); got != "" {
		t.Errorf("migration consumer still holds allocations on %q", got)
	}
	g, err := c.drivers[lm.dest].Guest(uuid)
	if err != nil || g.Incoming || g.Power != virt.PowerRunning {
		t.Errorf("guest on the destination: %+v, %v; want running", g, err)
	}
	if _, err := c.drivers[lm.src].Guest(uuid); err == nil {
		t.Errorf("guest still on the source %s", lm.src)
	}
}

// clmMigrationLog follows every change of the migrations bucket, in
// revision order, and keeps each migration's status history: the
// transitions themselves, not snapshots that could skip one.
type clmMigrationLog struct {
	mu      sync.Mutex
	changed chan struct{}
	// order is every status change in revision order: (uuid, status).
	order [][2]string
	byID  map[string][]objects.MigrationStatus
	last  map[string]*objects.Migration
}

func (c *clmCloud) watchMigrations(t *testing.T) *clmMigrationLog {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	raw := db.Codec[[]byte]{Encode: func(b []byte) ([]byte, error) { return b, nil }, Decode: func(b []byte) ([]byte, error) { return b, nil }}
	tbl, err := db.NewTable(c.db, db.TableConfig[[]byte]{Bucket: "migrations", Codec: raw})
	if err != nil {
		t.Fatal(err)
	}
	updates, err := tbl.WatchPrefix(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	l := &clmMigrationLog{changed: make(chan struct{}), byID: map[string][]objects.MigrationStatus{}, last: map[string]*objects.Migration{}}
	go func() {
		for u := range updates {
			if u.Err != nil || u.Deleted {
				continue
			}
			o, err := objects.Unmarshal(u.Value)
			if err != nil {
				continue
			}
			m, ok := o.(*objects.Migration)
			if !ok {
				continue
			}
			l.record(m)
		}
	}()
	return l
}

func (l *clmMigrationLog) record(m *objects.Migration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := m.UUID.Get()
	st, _ := m.Status.Lookup()
	h := l.byID[id]
	if len(h) == 0 || h[len(h)-1] != st {
		l.byID[id] = append(h, st)
		l.order = append(l.order, [2]string{id, string(st)})
	}
	l.last[id] = m
	close(l.changed)
	l.changed = make(chan struct{})
}

// history is the migration's statuses so far, oldest first.
func (l *clmMigrationLog) history(uuid string) []objects.MigrationStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]objects.MigrationStatus(nil), l.byID[uuid]...)
}

// latest is the last version of the migration's record seen.
func (l *clmMigrationLog) latest(uuid string) *objects.Migration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last[uuid]
}

// transitions is every status change seen, in revision order.
func (l *clmMigrationLog) transitions() [][2]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][2]string(nil), l.order...)
}

// await re-checks cond on every change until it holds.
func (l *clmMigrationLog) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		l.mu.Lock()
		ch := l.changed
		l.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("%s: not reached in time; transitions: %v", what, l.transitions())
		}
	}
}

// gather reads the host's metric families by name.
func (c *clmCloud) gather(t *testing.T, host string) map[string]*dto.MetricFamily {
	t.Helper()
	fams, err := c.regs[host].Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		out[f.GetName()] = f
	}
	return out
}

// gauge is the value of the per-migration gauge name for migration on
// host, and whether the series exists.
func (c *clmCloud) gauge(t *testing.T, host, name, migration string) (float64, bool) {
	t.Helper()
	f := c.gather(t, host)[name]
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "migration" && l.GetValue() == migration {
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}

// finished is novanats_migration_finished_total of host by status, the
// statuses that counted at least one migration.
func (c *clmCloud) finished(t *testing.T, host string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, m := range c.gather(t, host)["novanats_migration_finished_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			// Every final status starts at 0 (so that increase() sees a
			// host's first one); only those that counted something matter.
			if l.GetName() == "status" && m.GetCounter().GetValue() != 0 {
				out[l.GetValue()] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}
