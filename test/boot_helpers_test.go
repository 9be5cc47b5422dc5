package test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt/sim"
	"github.com/novanats/novanats/services/conductor"
	"github.com/novanats/novanats/services/scheduler"
)

// bootConductor is the host name of the boot cloud's conductor, which its
// instance action events carry.
const bootConductor = "conductor-1"

// bootCloud is the whole control plane of a boot on one embedded NATS and
// one fake clock: a conductor serving compute_task, schedulers and
// computes on simulated hypervisors, each process on a connection of its
// own (computes with compute credentials, no JetStream), and nova-api's
// side, a TaskAPI client. It is a computeCloud whose conductor can
// build, so the compute tests' await helpers work on it.
type bootCloud struct {
	*computeCloud
	tasks *conductor.TaskAPI
	// apiNC is nova-api's connection, for raw RPC too.
	apiNC *nats.Conn
	// conductorMetrics are the conductor's RPC metrics.
	conductorMetrics *prometheus.Registry
	drivers          map[string]*sim.Driver
	computes         map[string]*compute.Service
	// sizes are the compute hosts' hypervisors.
	sizes map[string]hostSize
}

// hostSize is a simulated hypervisor's capacity.
type hostSize struct{ vcpus, memoryMB, localGB int }

// scaledHost is k times the compute tests' host, so that it outranks a
// smaller one on every weigher (RAM, vCPUs and disk), whatever runs on
// either.
func scaledHost(k int) hostSize {
	return hostSize{vcpus: k * cmpVCPUs, memoryMB: k * cmpMemoryMB, localGB: k * cmpLocalGB}
}

// bootOptions adjust startBootCloud.
type bootOptions struct {
	// schedulers is how many scheduler processes run.
	schedulers int
	// conductorWorkers is the conductor's executor_thread_pool_size; 0
	// is the default. One makes it serve requests in arrival order.
	conductorWorkers int
}

func startBootCloud(t *testing.T, o bootOptions) *bootCloud {
	t.Helper()
	ctx := objCtx(t)
	c := &bootCloud{
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
	}
	c.conductorNC = c.connectController(t)
	c.db, c.store, c.placement = c.openRecords(t, c.conductorNC)
	var err error
	// The conductor casts builds with the compute's own client, on its
	// connection, as the process wiring the services passes it in.
	if c.api, err = compute.NewAPI(c.conductorNC, rpc.Timeout(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	c.conductor = startConductor(t, ctx, c.conductorNC, c.store, conductor.Config{
		Host:      bootConductor,
		Logger:    computeLogger(),
		Metrics:   rpc.NewMetrics(c.conductorMetrics),
		Placement: c.placement,
		Compute:   c.api,
		// The conductor reports on the wall clock, rarely: the fake
		// clock is for the computes' and schedulers' liveness.
		ServiceGroup: servicegroup.Config{ReportInterval: time.Hour},
		WorkerPool:   o.conductorWorkers,
	})
	for i := 1; i <= o.schedulers; i++ {
		c.startScheduler(t, fmt.Sprintf("sched-%d", i))
	}
	c.computeNC, c.computeErrs = connectCompute(t, c.srv)
	// nova-api talks RPC only; the conductor's credentials are the ones
	// the embedded server knows besides the compute's.
	c.apiNC = rpctest.Connect(t, c.srv, nats.UserInfo(conductorUser, objPassword))
	if c.tasks, err = conductor.NewTaskAPI(c.apiNC, rpc.Caller("nova-api")); err != nil {
		t.Fatal(err)
	}
	return c
}

// connectController is a connection with JetStream access, as the
// conductor's and the schedulers' processes have.
func (c *bootCloud) connectController(t *testing.T) *nats.Conn {
	t.Helper()
	return rpctest.Connect(t, c.srv, nats.UserInfo(conductorUser, objPassword))
}

// openRecords opens the store and placement on nc, in one DB as the
// process running them does.
func (c *bootCloud) openRecords(t *testing.T, nc *nats.Conn) (*db.DB, *store.Store, *placement.Placement) {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(objCtx(t), js, db.Config{Prefix: "cell1", Buckets: append(store.Buckets(), placement.Bucket())})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.New(d, store.Config{Clock: c.clock})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := placement.New(d, placement.Config{Logger: computeLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return d, st, pl
}

// startScheduler runs a scheduler process with its own connection, store
// and placement, judging liveness on the fake clock with nova's defaults
// (service_down_time 60 s).
func (c *bootCloud) startScheduler(t *testing.T, host string) {
	t.Helper()
	nc := c.connectController(t)
	_, st, pl := c.openRecords(t, nc)
	svc, err := scheduler.NewService(nc, st, pl, scheduler.Config{Host: host, Clock: c.clock, Logger: computeLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(objCtx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := svc.Stop(ctx); err != nil {
			t.Errorf("scheduler %s stop: %v", host, err)
		}
	})
}

// addCompute starts the compute of host on a simulated hypervisor of
// size, with nova's defaults (512 MB reserved for the host) but for a RAM
// allocation ratio of 1.0, and waits for
// its first state report, from which on the scheduler counts it as up.
func (c *bootCloud) addCompute(t *testing.T, host string, size hostSize) {
	t.Helper()
	opts := sim.DefaultOptions()
	opts.VCPUs, opts.MemoryMB, opts.LocalGB = size.vcpus, size.memoryMB, size.localGB
	opts.Clock, opts.Fabric = c.simClock, c.fabric
	drv, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c.drivers[host], c.sizes[host] = drv, size
	cfg := c.computeConfig(host)
	// Memory is not oversubscribed (nova's default ratio is 1.5), so
	// that the tests' room on a host is whole instances of its memory.
	cfg.RAMAllocationRatio = 1.0
	c.computes[host] = c.startCompute(t, cfg, drv)
	c.awaitReport(t, host, func(sv *objects.Service) bool { return sv.ReportCount.Get() >= 1 })
}

// awaitReport waits until the compute Service record of host satisfies
// cond.
func (c *bootCloud) awaitReport(t *testing.T, host string, cond func(*objects.Service) bool) {
	t.Helper()
	c.await(t, "services", db.KeyOf(host, compute.Binary), "state report of "+host, func() (bool, string) {
		sv, err := c.store.Services.Get(context.Background(), host, compute.Binary)
		if err != nil {
			return false, err.Error()
		}
		return cond(sv), asJSONObj(t, sv)
	})
}

// bootFlavor is the compute tests' flavor: 2 vCPUs, 2048 MB, 20 GB.
func bootFlavor() *objects.Flavor {
	return objects.NewFlavor("m1.small", flavorVCPUs, flavorMemoryMB, flavorRootGB)
}

// buildRequest is one instance of flavor, with a fresh uuid, as nova-api
// makes it.
func buildRequest(flavor *objects.Flavor) conductor.BuildRequest {
	u := newObjUUID()
	return conductor.BuildRequest{InstanceUUID: u, DisplayName: "vm-" + u[:8], Flavor: flavor, UserID: "user-1", ProjectID: "project-1"}
}

// apiContext is a new request of nova-api's: its own request id.
func apiContext(t *testing.T) context.Context {
	t.Helper()
	rc := rpc.NewRequestContext()
	rc.UserID, rc.ProjectID = "user-1", "project-1"
	return rpc.WithRequestContext(objCtx(t), rc)
}

// boot casts one boot request for reqs and returns its context.
func (c *bootCloud) boot(t *testing.T, reqs ...conductor.BuildRequest) context.Context {
	t.Helper()
	ctx := apiContext(t)
	if err := c.tasks.ScheduleAndBuildInstances(ctx, reqs); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// settled is an instance whose boot is over: active, or in ERROR.
func settled(i *objects.Instance) bool {
	if i == nil {
		return false
	}
	vm := i.VMState.Get()
	return vm == objects.VMStateActive || vm == objects.VMStateError
}

// awaitSettled waits until every instance of uuids has settled and
// returns them by uuid. It is woken by changes to the instances.
func (c *bootCloud) awaitSettled(t *testing.T, uuids []string) map[string]*objects.Instance {
	t.Helper()
	want := map[string]bool{}
	for _, u := range uuids {
		want[u] = true
	}
	got := map[string]*objects.Instance{}
	c.await(t, "instances", "", fmt.Sprintf("%d instances settled", len(uuids)), func() (bool, string) {
		all, err := c.store.Instances.List(context.Background())
		if err != nil {
			return false, err.Error()
		}
		clear(got)
		states := map[string]int{}
		for _, i := range all {
			if want[i.UUID.Get()] {
				got[i.UUID.Get()] = i
				states[string(i.VMState.Get())+"/"+string(i.TaskState.Get())]++
			}
		}
		for u := range want {
			if !settled(got[u]) {
				return false, fmt.Sprintf("%d of %d exist; vm_state/task_state: %v", len(got), len(want), states)
			}
		}
		return true, ""
	})
	return got
}

// byState splits instances into the active ones by host and the others.
func byState(insts map[string]*objects.Instance) (activeByHost map[string][]*objects.Instance, failed []*objects.Instance) {
	activeByHost = map[string][]*objects.Instance{}
	for _, i := range insts {
		if i.VMState.Get() == objects.VMStateActive {
			activeByHost[i.Host.Get()] = append(activeByHost[i.Host.Get()], i)
		} else {
			failed = append(failed, i)
		}
	}
	return activeByHost, failed
}

// expectUsage checks that each host's ComputeNode and placement provider
// count exactly its active instances of bootFlavor, and that every
// allocation in placement belongs to one of them.
func (c *bootCloud) expectUsage(t *testing.T, activeByHost map[string][]*objects.Instance) {
	t.Helper()
	for host, size := range c.sizes {
		n := len(activeByHost[host])
		c.awaitNode(t, host, fmt.Sprintf("usage of %d instances on %s", n, host), func(cn *objects.ComputeNode) bool {
			return cn.VCPUsUsed.Get() == n*flavorVCPUs &&
				cn.MemoryMBUsed.Get() == cmpReserved+n*flavorMemoryMB &&
				cn.LocalGBUsed.Get() == n*flavorRootGB &&
				cn.FreeRAMMB.Get() == size.memoryMB-cmpReserved-n*flavorMemoryMB &&
				cn.FreeDiskGB.Get() == size.localGB-n*flavorRootGB &&
				cn.RunningVMs.Get() == n
		})
	}
	provs, err := c.placement.List(objCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	one := placement.Resources{VCPU: flavorVCPUs, MemoryMB: flavorMemoryMB, DiskGB: flavorRootGB}
	for _, p := range provs {
		active := activeByHost[p.Node.Host]
		want := map[string]bool{}
		for _, i := range active {
			want[i.UUID.Get()] = true
		}
		if len(p.Allocations) != len(active) {
			t.Errorf("%s holds %d allocations, has %d active instances", p.Node, len(p.Allocations), len(active))
		}
		for consumer, r := range p.Allocations {
			if !want[consumer] || r != one {
				t.Errorf("%s: allocation of %s is %v; active here: %v, flavor %v", p.Node, consumer, r, want[consumer], one)
			}
		}
		if f := p.Free(); f.VCPU < 0 || f.MemoryMB < 0 || f.DiskGB < 0 {
			t.Errorf("%s is over-committed: used %v of %+v", p.Node, p.Used(), p.Inventory.Capacity())
		}
	}
}

// expectNoValidHost checks an instance the scheduler could not place: in
// ERROR with no task and on no host, a fault of the conductor's saying
// NoValidHost and each of subs, no claim left in placement, and the
// conductor's events finished with the error.
func (c *bootCloud) expectNoValidHost(t *testing.T, ctx context.Context, inst *objects.Instance, subs ...string) {
	t.Helper()
	uuid := inst.UUID.Get()
	if inst.VMState.Get() != objects.VMStateError || !inst.TaskState.IsNull() || !inst.Host.IsNull() || !inst.Node.IsNull() {
		t.Errorf("instance %s after NoValidHost: %s", uuid, asJSONObj(t, inst))
	}
	f := inst.Fault.Get()
	if f == nil {
		t.Fatalf("instance %s in ERROR without a fault", uuid)
	}
	if f.Code.Get() != 500 || f.Host.Get() != bootConductor || f.InstanceUUID.Get() != uuid {
		t.Errorf("fault of %s: %s", uuid, asJSONObj(t, f))
	}
	schedMustContain(t, "fault message", f.Message.Get(), append([]string{"No valid host was found. There are not enough hosts available."}, subs...)...)
	if a, err := c.placement.Allocations(objCtx(t), uuid); err != nil || len(a) != 0 {
		t.Errorf("instance %s holds %s after NoValidHost (%v)", uuid, allocString(a), err)
	}
	evs, err := c.store.Actions.Events(objCtx(t), uuid, requestOf(ctx))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{conductor.EventScheduleInstances, conductor.EventScheduleAndBuildInstances} {
		ev := findEvent(evs, name)
		if ev == nil || ev.Result.Get() != objects.EventResultError || !strings.Contains(ev.Details.Get(), "No valid host was found.") {
			t.Errorf("event %s of %s: %s", name, uuid, eventNames(evs))
		}
	}
}

func findEvent(evs []*objects.InstanceActionEvent, name string) *objects.InstanceActionEvent {
	for _, e := range evs {
		if e.Event.Get() == name {
			return e
		}
	}
	return nil
}

func uuidsOf(reqs []conductor.BuildRequest) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.InstanceUUID
	}
	return out
}

// hostCounts prints active instances per host, sorted, for messages.
func hostCounts(activeByHost map[string][]*objects.Instance) string {
	var parts []string
	for h, is := range activeByHost {
		parts = append(parts, fmt.Sprintf("%s=%d", h, len(is)))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}
