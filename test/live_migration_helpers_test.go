package test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/compute/virt/sim"
	"github.com/novanats/novanats/services/conductor"
)

// The conductor's compute client must carry the live-migration methods,
// or the conductor refuses every migration.
var _ conductor.LiveMigrationComputeAPI = (*compute.API)(nil)

// lmConductor is the host name of the live-migration cloud's conductor.
const lmConductor = "conductor-1"

// lmCloud is a bootCloud whose conductor also judges liveness on the fake
// clock with nova's service_down_time (60 s), so that a compute whose
// reports stop is down for the conductor's checks when the clock says so,
// as it is for the scheduler.
type lmCloud struct {
	*bootCloud
}

// lmOptions adjust startLMCloud.
type lmOptions struct {
	schedulers int
	// maxRetries is migrate_max_retries; nil is nova's default, -1.
	maxRetries *int
}

func startLMCloud(t *testing.T, o lmOptions) *lmCloud {
	t.Helper()
	ctx := objCtx(t)
	c := &lmCloud{bootCloud: &bootCloud{
		computeCloud: &computeCloud{
			srv:      rpctest.StartServer(t, withUsers()),
			clock:    servicegroup.NewFakeClock(objT0),
			simClock: sim.NewAutoStepClock(objT0),
			fabric:   sim.NewFabric(),
		},
		conductorMetrics: prometheus.NewRegistry(),
		drivers:          map[string]*sim.Driver{},
		computes:         map[string]*compute.Service{},
		sizes:            map[string]hostSize{},
	}}
	c.conductorNC = c.connectController(t)
	c.db, c.store, c.placement = c.openRecords(t, c.conductorNC)
	var err error
	if c.api, err = compute.NewAPI(c.conductorNC, rpc.Timeout(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	c.conductor = startConductor(t, ctx, c.conductorNC, c.store, conductor.Config{
		Host:              lmConductor,
		Logger:            computeLogger(),
		Metrics:           rpc.NewMetrics(c.conductorMetrics),
		Placement:         c.placement,
		Compute:           c.api,
		Clock:             c.clock,
		ServiceGroup:      servicegroup.Config{ReportInterval: 10 * time.Second},
		MigrateMaxRetries: o.maxRetries,
	})
	for i := 1; i <= o.schedulers; i++ {
		c.startScheduler(t, fmt.Sprintf("sched-%d", i))
	}
	c.computeNC, c.computeErrs = connectCompute(t, c.srv)
	c.apiNC = c.connectController(t)
	if c.tasks, err = conductor.NewTaskAPI(c.apiNC, rpc.Caller("nova-api")); err != nil {
		t.Fatal(err)
	}
	return c
}

// lmHost describes one simulated compute host of a migration test.
type lmHost struct {
	size hostSize
	// hypervisorType and hypervisorVersion override the sim's ("sim",
	// 1000000) when set.
	hypervisorType    string
	hypervisorVersion int
	// sharedStorage names the storage of the host's instances path;
	// hosts sharing one need no block migration between them.
	sharedStorage string
	// migration changes the hypervisor's [libvirt] live-migration
	// options (the source's govern a migration).
	migration func(*virt.MigrationConfig)
	// adjust changes the compute's configuration before it starts.
	adjust func(*compute.Config)
}

// addHost starts the compute of host as lmHost says and waits for its
// first state report.
func (c *lmCloud) addHost(t *testing.T, host string, h lmHost) {
	t.Helper()
	if h.size == (hostSize{}) {
		h.size = scaledHost(1)
	}
	opts := sim.DefaultOptions()
	opts.VCPUs, opts.MemoryMB, opts.LocalGB = h.size.vcpus, h.size.memoryMB, h.size.localGB
	opts.Clock, opts.Fabric = c.simClock, c.fabric
	if h.hypervisorType != "" {
		opts.HypervisorType = h.hypervisorType
	}
	if h.hypervisorVersion != 0 {
		opts.HypervisorVersion = h.hypervisorVersion
	}
	opts.SharedStorage = h.sharedStorage
	if h.migration != nil {
		h.migration(&opts.Migration)
	}
	drv, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.computeConfig(host)
	if h.adjust != nil {
		h.adjust(&cfg)
	}
	c.drivers[host], c.sizes[host] = drv, h.size
	c.computes[host] = c.startCompute(t, cfg, drv)
	c.awaitReport(t, host, func(sv *objects.Service) bool { return sv.ReportCount.Get() >= 1 })
}

// activeOn builds an instance of the test flavor on host (the scheduler's
// claim made by hand) and waits until it runs there.
func (c *lmCloud) activeOn(t *testing.T, host string) *objects.Instance {
	t.Helper()
	inst, ctx := c.newBuildRequest(t, host)
	if err := c.api.BuildAndRunInstance(ctx, host, inst, host); err != nil {
		t.Fatal(err)
	}
	got := c.awaitInstance(t, inst.UUID.Get(), "instance active on "+host, func(i *objects.Instance) bool {
		return i != nil && i.VMState.Get() == objects.VMStateActive
	})
	c.awaitEvent(t, ctx, inst.UUID.Get(), compute.EventBuildAndRunInstance)
	return got
}

// activeOnMany builds n instances on host at once, as activeOn does
// one, and waits until all run.
func (c *lmCloud) activeOnMany(t *testing.T, host string, n int) []*objects.Instance {
	t.Helper()
	insts := make([]*objects.Instance, n)
	want := map[string]bool{}
	for i := range insts {
		inst, ctx := c.newBuildRequest(t, host)
		if err := c.api.BuildAndRunInstance(ctx, host, inst, host); err != nil {
			t.Fatal(err)
		}
		insts[i] = inst
		want[inst.UUID.Get()] = true
	}
	c.await(t, "instances", "", fmt.Sprintf("%d instances active on %s", n, host), func() (bool, string) {
		all, err := c.store.Instances.ListByHost(context.Background(), host)
		if err != nil {
			return false, err.Error()
		}
		active := 0
		for _, i := range all {
			if want[i.UUID.Get()] && i.VMState.Get() == objects.VMStateActive && i.TaskState.IsNull() {
				active++
			}
		}
		return active == n, fmt.Sprintf("%d of %d active", active, n)
	})
	for i, inst := range insts {
		got, err := c.store.Instances.Get(objCtx(t), inst.UUID.Get())
		if err != nil {
			t.Fatal(err)
		}
		insts[i] = got
	}
	return insts
}

// migrateServer calls migrate_server for inst in a new request of
// nova-api's and returns its context with the outcome.
func (c *lmCloud) migrateServer(t *testing.T, inst *objects.Instance, host string, force bool) (context.Context, *objects.Migration, error) {
	t.Helper()
	return c.migrateServerArgs(t, conductor.LiveMigrateInstanceArgs{InstanceUUID: inst.UUID.Get(), Host: host, Force: force})
}

// migrateServerArgs calls migrate_server with args in a new request.
func (c *lmCloud) migrateServerArgs(t *testing.T, args conductor.LiveMigrateInstanceArgs) (context.Context, *objects.Migration, error) {
	t.Helper()
	ctx := apiContext(t)
	m, err := c.tasks.MigrateServer(ctx, args)
	return ctx, m, err
}

// migrationsOf lists the Migrations of an instance, oldest first.
func (c *lmCloud) migrationsOf(t *testing.T, instanceUUID string) []*objects.Migration {
	t.Helper()
	all, err := c.store.Migrations.List(objCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var out []*objects.Migration
	for _, m := range all {
		if m.InstanceUUID.Get() == instanceUUID {
			out = append(out, m)
		}
	}
	return out
}

// flavorResources is what one test-flavor instance holds in placement.
var flavorResources = placement.Resources{VCPU: flavorVCPUs, MemoryMB: flavorMemoryMB, DiskGB: flavorRootGB}

// expectRefused checks what a refused live migration leaves, as nova's
// conductor leaves it: err says msg; the instance is on its host in
// vmState with no task; it has migrations Migrations, the newest in
// 'error' and the instance a fault naming the refusal (none when the
// refusal came before any Migration); the instance's allocation is back
// on its host, nothing else is held for the instance or the migration;
// and the conductor's event of the request finished with Error and msg.
func expectRefused(t *testing.T, c *lmCloud, ctx context.Context, inst *objects.Instance, err error, vmState objects.VMState, migrations int, msg string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), msg) {
		t.Fatalf("migrate_server: %v, want a refusal saying %q", err, msg)
	}
	uuid := inst.UUID.Get()
	got, gerr := c.store.Instances.Get(objCtx(t), uuid)
	if gerr != nil {
		t.Fatal(gerr)
	}
	if got.VMState.Get() != vmState || !got.TaskState.IsNull() || got.Host.Get() != inst.Host.Get() || got.Node.Get() != inst.Node.Get() {
		t.Errorf("instance after the refusal: %s; want vm_state %s, no task, on %s", asJSONObj(t, got), vmState, inst.Host.Get())
	}
	c.expectHeldOnlyOn(t, uuid, inst.Host.Get())
	migs := c.migrationsOf(t, uuid)
	if len(migs) != migrations {
		t.Fatalf("%d migrations of the instance, want %d", len(migs), migrations)
	}
	if migrations == 0 {
		return
	}
	m := migs[len(migs)-1]
	if m.Status.Get() != objects.MigrationError || m.MigrationType.Get() != objects.MigrationTypeLiveMigration ||
		m.SourceCompute.Get() != inst.Host.Get() || m.SourceNode.Get() != inst.Node.Get() {
		t.Errorf("migration after the refusal: %s", asJSONObj(t, m))
	}
	if f := got.Fault.Get(); f == nil || f.Host.Get() != lmConductor || !strings.Contains(f.Message.Get(), msg) {
		t.Errorf("fault after the refusal: %v", got.Fault.Get())
	}
	if a, err := c.placement.Allocations(objCtx(t), m.UUID.Get()); err != nil || len(a) != 0 {
		t.Errorf("the migration consumer holds %s after the refusal (%v)", allocString(a), err)
	}
	evs, err := c.store.Actions.Events(objCtx(t), uuid, requestOf(ctx))
	if err != nil {
		t.Fatal(err)
	}
	ev := findEvent(evs, conductor.EventMigrateServer)
	if ev == nil || ev.Result.Get() != objects.EventResultError || ev.Host.Get() != lmConductor || !strings.Contains(ev.Details.Get(), msg) {
		t.Errorf("conductor event after the refusal: %s", eventNames(evs))
	}
}

// expectHeldOnlyOn checks that the instance consumer holds exactly the
// test flavor on host in placement, and nothing anywhere else.
func (c *lmCloud) expectHeldOnlyOn(t *testing.T, instanceUUID, host string) {
	t.Helper()
	a, err := c.placement.Allocations(objCtx(t), instanceUUID)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 1 || a[placement.Node{Host: host, Nodename: host}] != flavorResources {
		t.Errorf("instance %s holds %s; want %v on %s alone", instanceUUID, allocString(a), flavorResources, host)
	}
}

// migrationLog records every revision of every Migration, in the order
// the store wrote them: what a watcher of the migrations bucket sees.
type migrationLog struct {
	mu   sync.Mutex
	revs []*objects.Migration
	// changed is closed and replaced on every revision recorded.
	changed chan struct{}
}

// recordMigrations starts recording; it stops when the test ends.
func (c *lmCloud) recordMigrations(t *testing.T) *migrationLog {
	t.Helper()
	codec := db.Codec[*objects.Migration]{
		Encode: func(m *objects.Migration) ([]byte, error) { return nil, errors.New("read only") },
		Decode: func(b []byte) (*objects.Migration, error) {
			var p objects.Primitive
			if err := msgpack.Unmarshal(b, &p); err != nil {
				return nil, err
			}
			m := new(objects.Migration)
			return m, m.ObjFromPrimitive(p)
		},
	}
	tbl, err := db.NewTable(c.db, db.TableConfig[*objects.Migration]{Bucket: "migrations", Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	updates, err := tbl.WatchPrefix(ctx, "")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	l := &migrationLog{changed: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for u := range updates {
			if u.Err != nil || u.Deleted || u.Value == nil {
				continue
			}
			l.mu.Lock()
			l.revs = append(l.revs, u.Value)
			close(l.changed)
			l.changed = make(chan struct{})
			l.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return l
}

// statuses is the sequence of statuses migration uuid went through, each
// change once.
func (l *migrationLog) statuses(uuid string) []objects.MigrationStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []objects.MigrationStatus
	for _, m := range l.revs {
		if m.UUID.Get() != uuid {
			continue
		}
		if st := m.Status.Get(); len(out) == 0 || out[len(out)-1] != st {
			out = append(out, st)
		}
	}
	return out
}

// latest is each migration's newest revision recorded, by uuid.
func (l *migrationLog) latest() map[string]*objects.Migration {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]*objects.Migration{}
	for _, m := range l.revs {
		out[m.UUID.Get()] = m
	}
	return out
}

// await re-checks cond on every revision recorded until it holds, for up
// to timeout. It reads the log, not the store: for many migrations that
// is one pass over memory per change, not a listing of the table.
func (l *migrationLog) await(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		changed := l.changed
		l.mu.Unlock()
		ok, last := cond()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("%s: not reached in %s; last: %s", what, timeout, last)
		}
	}
}

// snapshot is every revision so far.
func (l *migrationLog) snapshot() []*objects.Migration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.revs)
}

// awaitMigrationStatus waits until the newest Migration of the instance
// has status st, and returns it.
func (c *lmCloud) awaitMigrationStatus(t *testing.T, instanceUUID string, st objects.MigrationStatus) *objects.Migration {
	t.Helper()
	var got *objects.Migration
	c.await(t, "migrations", "", "migration of "+instanceUUID+" "+string(st), func() (bool, string) {
		got = nil
		all, err := c.store.Migrations.List(context.Background())
		if err != nil {
			return false, err.Error()
		}
		for _, m := range all {
			if m.InstanceUUID.Get() == instanceUUID && (got == nil || m.ID.Get() > got.ID.Get()) {
				got = m
			}
		}
		if got == nil {
			return false, "no migration"
		}
		return got.Status.Get() == st, asJSONObj(t, got)
	})
	return got
}

// nonConverging makes the guest dirty memory four times faster than the
// migration link copies it: pre-copy alone never finishes.
func (c *lmCloud) nonConverging(t *testing.T, host string, inst *objects.Instance) {
	t.Helper()
	if err := c.drivers[host].SetDirtyRate(inst.UUID.Get(), 4096); err != nil {
		t.Fatal(err)
	}
}

// expectStayed checks an instance whose migration from src was undone:
// active and running on src with no task, its guest on src only, its
// allocation on src alone, nothing held by the migration.
func (c *lmCloud) expectStayed(t *testing.T, inst *objects.Instance, src, dst string, m *objects.Migration) {
	t.Helper()
	uuid := inst.UUID.Get()
	got, err := c.store.Instances.Get(objCtx(t), uuid)
	if err != nil {
		t.Fatal(err)
	}
	if got.Host.Get() != src || got.Node.Get() != src || got.VMState.Get() != objects.VMStateActive || !got.TaskState.IsNull() {
		t.Errorf("instance after the undone migration: %s", asJSONObj(t, got))
	}
	if g, err := c.drivers[src].Guest(uuid); err != nil || g.Power != virt.PowerRunning {
		t.Errorf("guest on %s: %+v (%v)", src, g, err)
	}
	if g, err := c.drivers[dst].Guest(uuid); err == nil {
		t.Errorf("a guest was left on %s: %+v", dst, g)
	}
	c.expectHeldOnlyOn(t, uuid, src)
	if a, err := c.placement.Allocations(objCtx(t), m.UUID.Get()); err != nil || len(a) != 0 {
		t.Errorf("the migration consumer holds %s (%v)", allocString(a), err)
	}
}

// forceComplete sends live_migration_force_complete for m, under a new
// force-complete action on inst, as nova-api does; the action's context is
// returned to await its event with.
func (c *lmCloud) forceComplete(t *testing.T, inst *objects.Instance, m *objects.Migration) context.Context {
	t.Helper()
	cur, err := c.store.Instances.Get(objCtx(t), inst.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	ctx := c.newAction(t, inst.UUID.Get(), objects.ActionLiveMigrationForceComplete)
	if err := c.api.LiveMigrationForceComplete(ctx, cur, m); err != nil {
		t.Fatal(err)
	}
	return ctx
}
