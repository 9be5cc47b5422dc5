package test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/compute/virt/sim"
	"github.com/novanats/novanats/services/conductor"
)

// Sizes of the simulated compute hosts and of the test flavor.
const (
	cmpVCPUs    = 16
	cmpMemoryMB = 32768
	cmpLocalGB  = 500
	cmpReserved = 512 // nova's reserved_host_memory_mb

	flavorVCPUs    = 2
	flavorMemoryMB = 2048
	flavorRootGB   = 20
)

// computeLogger discards logs unless NOVANATS_TEST_LOG is set: the tests
// assert on records, and goroutines outliving a test must not log to it.
func computeLogger() *slog.Logger {
	if os.Getenv("NOVANATS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// computeCloud is a conductor on the store and placement, and everything a
// compute gets: a NATS connection with compute credentials (no JetStream),
// a simulated hypervisor, and the fake clock that drives its reports and
// periodic tasks.
type computeCloud struct {
	srv       *rpctest.Server
	clock     *servicegroup.FakeClock
	simClock  *sim.StepClock
	fabric    *sim.Fabric
	db        *db.DB
	store     *store.Store
	placement *placement.Placement
	conductor *conductor.Service
	// api is the compute client, on the conductor's connection: how
	// the conductor will call computes.
	api         *compute.API
	conductorNC *nats.Conn
	computeNC   *nats.Conn
	computeErrs chan error
}

func startComputeCloud(t *testing.T) *computeCloud {
	t.Helper()
	ctx := objCtx(t)
	c := &computeCloud{
		srv:      rpctest.StartServer(t, withUsers()),
		clock:    servicegroup.NewFakeClock(objT0),
		simClock: sim.NewAutoStepClock(objT0),
		fabric:   sim.NewFabric(),
	}
	ncCond := rpctest.Connect(t, c.srv, nats.UserInfo(conductorUser, objPassword))
	c.conductorNC = ncCond
	js, err := jetstream.New(ncCond)
	if err != nil {
		t.Fatal(err)
	}
	// The conductor's DB holds the store's buckets and placement's, as
	// the process running conductor and scheduler opens it.
	c.db, err = db.Open(ctx, js, db.Config{Prefix: "cell1", Buckets: append(store.Buckets(), placement.Bucket())})
	if err != nil {
		t.Fatal(err)
	}
	if c.store, err = store.New(c.db, store.Config{Clock: c.clock}); err != nil {
		t.Fatal(err)
	}
	if c.placement, err = placement.New(c.db, placement.Config{Logger: computeLogger()}); err != nil {
		t.Fatal(err)
	}
	c.conductor = startConductor(t, ctx, ncCond, c.store, conductor.Config{
		Host:   "conductor-1",
		Logger: computeLogger(),
		// The conductor's own reports run on the wall clock, rarely: the
		// fake clock is the compute's.
		ServiceGroup: servicegroup.Config{ReportInterval: time.Hour},
	})
	if c.api, err = compute.NewAPI(ncCond, rpc.Timeout(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	c.computeNC, c.computeErrs = connectCompute(t, c.srv)
	return c
}

// newHypervisor is a simulated host of cmpVCPUs, cmpMemoryMB and
// cmpLocalGB on the cloud's fabric and virtual clock.
func (c *computeCloud) newHypervisor(t *testing.T) *sim.Driver {
	t.Helper()
	opts := sim.DefaultOptions()
	opts.VCPUs, opts.MemoryMB, opts.LocalGB = cmpVCPUs, cmpMemoryMB, cmpLocalGB
	opts.Clock, opts.Fabric = c.simClock, c.fabric
	d, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// computeConfig is nova's defaults with the fake clock, report_interval
// 10 s and update_resources_interval 60 s.
func (c *computeCloud) computeConfig(host string) compute.Config {
	cfg := compute.DefaultConfig(host)
	cfg.Clock = c.clock
	cfg.ReportInterval = 10 * time.Second
	cfg.UpdateResourcesInterval = 60 * time.Second
	cfg.RPCResponseTimeout = 30 * time.Second
	cfg.Logger = computeLogger()
	return cfg
}

// startCompute starts a compute on the compute connection, stopped when
// the test ends (a test that stops it itself may do so first).
func (c *computeCloud) startCompute(t *testing.T, cfg compute.Config, drv *sim.Driver) *compute.Service {
	t.Helper()
	svc := c.newCompute(t, cfg, drv)
	if err := svc.Start(objCtx(t)); err != nil {
		t.Fatalf("start compute %s: %v", cfg.Host, err)
	}
	return svc
}

func (c *computeCloud) newCompute(t *testing.T, cfg compute.Config, drv virt.Driver) *compute.Service {
	t.Helper()
	svc, err := compute.NewService(c.computeNC, drv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := svc.Stop(sctx); err != nil {
			t.Errorf("compute %s stop: %v", cfg.Host, err)
		}
	})
	return svc
}

// noPermissionViolations checks that the compute never tried to reach
// what its credentials deny (JetStream, the KV buckets).
func (c *computeCloud) noPermissionViolations(t *testing.T) {
	t.Helper()
	if err := c.computeNC.Flush(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.computeErrs:
		t.Fatalf("the compute's connection reported %v", err)
	default:
	}
}

// newBuildRequest is what the conductor does before it casts a build: the
// instance record (vm_state building, task_state scheduling), the
// scheduler's claim on host in placement, and the "create" action of the
// request. It returns the instance and a context carrying the request.
func (c *computeCloud) newBuildRequest(t *testing.T, host string) (*objects.Instance, context.Context) {
	t.Helper()
	inst := c.newInstanceRecord(t)
	c.claim(t, host, inst.UUID.Get())
	return inst, c.newAction(t, inst.UUID.Get(), "create")
}

// newInstanceRecord stores a new instance of the test flavor as the
// conductor creates it: vm_state building, task_state scheduling.
func (c *computeCloud) newInstanceRecord(t *testing.T) *objects.Instance {
	t.Helper()
	inst := new(objects.Instance)
	inst.UUID.Set(newObjUUID())
	inst.DisplayName.Set("vm-" + inst.UUID.Get()[:8])
	inst.ProjectID.Set("project-1")
	inst.UserID.Set("user-1")
	inst.VMState.Set(objects.VMStateBuilding)
	inst.TaskState.Set(objects.TaskScheduling)
	inst.PowerState.Set(objects.PowerNoState)
	inst.VCPUs.Set(flavorVCPUs)
	inst.MemoryMB.Set(flavorMemoryMB)
	inst.RootGB.Set(flavorRootGB)
	inst.EphemeralGB.Set(0)
	inst.Flavor.Set(bootFlavor())
	inst.Metadata.Set(map[string]string{})
	if err := c.store.Instances.Create(objCtx(t), inst); err != nil {
		t.Fatal(err)
	}
	return inst
}

// claim is the scheduler's claim for one test flavor instance on host.
func (c *computeCloud) claim(t *testing.T, host, instanceUUID string) {
	t.Helper()
	if err := c.placement.Claim(objCtx(t), placement.Node{Host: host, Nodename: host}, instanceUUID,
		placement.Resources{VCPU: flavorVCPUs, MemoryMB: flavorMemoryMB, DiskGB: flavorRootGB}); err != nil {
		t.Fatal(err)
	}
}

// placeRecord stores an instance record placed on host (node host) in
// vmState and taskState ("" for none), without the compute knowing.
func (c *computeCloud) placeRecord(t *testing.T, host string, vmState objects.VMState, taskState objects.TaskState) *objects.Instance {
	t.Helper()
	inst := c.newInstanceRecord(t)
	got, err := c.store.Instances.Update(objCtx(t), inst.UUID.Get(), func(i *objects.Instance) error {
		i.Host.Set(host)
		i.Node.Set(host)
		i.LaunchedOn.Set(host)
		i.VMState.Set(vmState)
		if taskState == "" {
			i.TaskState.SetNull()
		} else {
			i.TaskState.Set(taskState)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// newAction starts an instance action for a new request, as nova's API
// does, and returns a context carrying that request.
func (c *computeCloud) newAction(t *testing.T, instanceUUID, action string) context.Context {
	t.Helper()
	rc := rpc.NewRequestContext()
	a := new(objects.InstanceAction)
	a.InstanceUUID.Set(instanceUUID)
	a.RequestID.Set(rc.RequestID)
	a.Action.Set(action)
	if err := c.store.Actions.Start(objCtx(t), a); err != nil {
		t.Fatal(err)
	}
	return rpc.WithRequestContext(objCtx(t), rc)
}

// await re-checks cond each time the record of bucket at key changes
// (every record of the bucket when key is "") until it holds, and fails
// the test with cond's last explanation after a while. It is woken by a db
// watch: no polling, no sleeping.
func (c *computeCloud) await(t *testing.T, bucket string, key db.Key, what string, cond func() (bool, string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raw := db.Codec[[]byte]{Encode: func(b []byte) ([]byte, error) { return b, nil }, Decode: func(b []byte) ([]byte, error) { return b, nil }}
	tbl, err := db.NewTable(c.db, db.TableConfig[[]byte]{Bucket: bucket, Codec: raw})
	if err != nil {
		t.Fatal(err)
	}
	var updates <-chan db.Update[[]byte]
	if key == "" {
		updates, err = tbl.WatchPrefix(ctx, "")
	} else {
		updates, err = tbl.Watch(ctx, key)
	}
	if err != nil {
		t.Fatal(err)
	}
	ok, last := cond()
	for !ok {
		select {
		case _, open := <-updates:
			if !open {
				t.Fatalf("%s: watch ended; last: %s", what, last)
			}
		case <-ctx.Done():
			t.Fatalf("%s: not reached in time; last: %s", what, last)
		}
		ok, last = cond()
	}
}

// awaitInstance waits until the instance's record satisfies cond (nil
// when the record is gone) and returns it.
func (c *computeCloud) awaitInstance(t *testing.T, uuid, what string, cond func(*objects.Instance) bool) *objects.Instance {
	t.Helper()
	var got *objects.Instance
	c.await(t, "instances", db.KeyOf(uuid), what, func() (bool, string) {
		inst, err := c.store.Instances.Get(context.Background(), uuid)
		switch {
		case errors.Is(err, exception.ErrNotFound):
			got = nil
			return cond(nil), "no record"
		case err != nil:
			return false, err.Error()
		}
		got = inst
		return cond(inst), asJSONObj(t, inst)
	})
	return got
}

// awaitNode waits until the compute node of host satisfies cond.
func (c *computeCloud) awaitNode(t *testing.T, host, what string, cond func(*objects.ComputeNode) bool) *objects.ComputeNode {
	t.Helper()
	var got *objects.ComputeNode
	c.await(t, "compute_nodes", "", what, func() (bool, string) {
		cn, err := c.store.ComputeNodes.GetByHost(context.Background(), host)
		if err != nil {
			return false, err.Error()
		}
		got = cn
		return cond(cn), asJSONObj(t, cn)
	})
	return got
}

// awaitEvent waits until the request's action has event finished, and
// returns it.
func (c *computeCloud) awaitEvent(t *testing.T, ctx context.Context, instanceUUID, event string) *objects.InstanceActionEvent {
	t.Helper()
	rc, _ := rpc.RequestContextFrom(ctx)
	var got *objects.InstanceActionEvent
	c.await(t, "instance_actions", db.KeyOf(instanceUUID, rc.RequestID), "event "+event+" finished", func() (bool, string) {
		evs, err := c.store.Actions.Events(context.Background(), instanceUUID, rc.RequestID)
		if err != nil {
			return false, err.Error()
		}
		for _, e := range evs {
			if e.Event.Get() == event && e.FinishTime.IsSet() && !e.FinishTime.IsNull() {
				got = e
				return true, ""
			}
		}
		return false, "events: " + eventNames(evs)
	})
	return got
}

// awaitAllocations waits until placement's allocations of consumer
// satisfy cond.
func (c *computeCloud) awaitAllocations(t *testing.T, host, consumer, what string, cond func(map[placement.Node]placement.Resources) bool) {
	t.Helper()
	c.await(t, placement.BucketName, db.KeyOf(host, host), what, func() (bool, string) {
		a, err := c.placement.Allocations(context.Background(), consumer)
		if err != nil {
			return false, err.Error()
		}
		return cond(a), "allocations: " + allocString(a)
	})
}

func eventNames(evs []*objects.InstanceActionEvent) string {
	out := ""
	for _, e := range evs {
		out += fmt.Sprintf("[%s result=%v finished=%v] ", e.Event.Get(), e.Result.Get(), e.FinishTime.IsSet() && !e.FinishTime.IsNull())
	}
	return out
}

func allocString(a map[placement.Node]placement.Resources) string {
	out := ""
	for n, r := range a {
		out += n.String() + ": " + r.String() + "; "
	}
	return out
}

// serverExceptions is how many invocations of method the RPC server of
// topic ended with an error named exc.
func serverExceptions(t *testing.T, reg *prometheus.Registry, topic, method, exc string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, f := range families {
		if f.GetName() != "novanats_rpc_server_exception_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["topic"] == topic && labels["method"] == method && labels["exception"] == exc {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}
