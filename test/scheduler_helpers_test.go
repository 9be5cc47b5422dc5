package test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/scheduler"
)

var schedT0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

const schedPrefix = "cell1"

// schedCloud is an embedded NATS with the records a scheduler reads, an
// operator's handle on them (store and placement on a connection of their
// own) and any number of scheduler processes.
type schedCloud struct {
	srv       *rpctest.Server
	clock     *servicegroup.FakeClock
	store     *store.Store
	placement *placement.Placement
	api       *scheduler.API
	// metrics has one registry per scheduler started, by host.
	metrics map[string]*prometheus.Registry
}

func schedCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func startSchedCloud(t *testing.T) *schedCloud {
	t.Helper()
	c := &schedCloud{srv: rpctest.StartServer(t), clock: servicegroup.NewFakeClock(schedT0), metrics: map[string]*prometheus.Registry{}}
	c.store, c.placement = c.openRecords(t, rpctest.Connect(t, c.srv))
	api, err := scheduler.NewAPI(rpctest.Connect(t, c.srv), rpc.Timeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	c.api = api
	return c
}

func (c *schedCloud) openRecords(t *testing.T, nc *nats.Conn) (*store.Store, *placement.Placement) {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(schedCtx(t), js, store.Config{Prefix: schedPrefix, Clock: c.clock})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := placement.Open(schedCtx(t), js, placement.Config{Prefix: schedPrefix})
	if err != nil {
		t.Fatal(err)
	}
	return st, pl
}

// startScheduler runs a scheduler process: its own NATS connection,
// store and placement, as a separate nova-scheduler would have.
func (c *schedCloud) startScheduler(t *testing.T, host string, tweak ...func(*scheduler.Config)) *scheduler.Service {
	t.Helper()
	nc := rpctest.Connect(t, c.srv)
	st, pl := c.openRecords(t, nc)
	reg := prometheus.NewRegistry()
	c.metrics[host] = reg
	cfg := scheduler.Config{Host: host, Clock: c.clock, Metrics: rpc.NewMetrics(reg)}
	for _, f := range tweak {
		f(&cfg)
	}
	svc, err := scheduler.NewService(nc, st, pl, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(schedCtx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := svc.Stop(ctx); err != nil {
			t.Errorf("scheduler %s stop: %v", host, err)
		}
	})
	return svc
}

// schedHost describes a compute host with one node named <name>.local.
// Ratios of 0 are "not reported" (the scheduler's defaults apply).
type schedHost struct {
	name                          string
	vcpus, memMB, diskGB          int
	cpuRatio, ramRatio, diskRatio float64
	az                            string
	disabled                      bool
	// noInventory leaves the node out of placement, as before its
	// compute's first update_available_resource.
	noInventory bool
}

func schedNode(h schedHost) placement.Node {
	return placement.Node{Host: h.name, Nodename: h.name + ".local"}
}

// addHost registers h as its compute would: a nova-compute Service that
// reports (at the fake clock's now), a ComputeNode with no usage, and the
// node's inventory in placement.
func (c *schedCloud) addHost(t *testing.T, h schedHost) *objects.ComputeNode {
	t.Helper()
	ctx := schedCtx(t)
	sv := new(objects.Service)
	sv.Host.Set(h.name)
	sv.Binary.Set(scheduler.ComputeBinary)
	sv.Topic.Set("compute")
	sv.Disabled.Set(h.disabled)
	if h.disabled {
		sv.DisabledReason.Set("maintenance")
	}
	if h.az != "" {
		sv.AvailabilityZone.Set(h.az)
	}
	sv.ReportCount.Set(0)
	sv.Version.Set(1)
	if err := c.store.Services.Create(ctx, sv); err != nil {
		t.Fatal(err)
	}
	c.report(t, h.name)

	cn := new(objects.ComputeNode)
	cn.UUID.Set(uuid.NewString())
	cn.Host.Set(h.name)
	cn.HypervisorHostname.Set(h.name + ".local")
	cn.HypervisorType.Set("QEMU")
	cn.HypervisorVersion.Set(8002000)
	cn.CPUInfo.Set("{}")
	cn.VCPUs.Set(h.vcpus)
	cn.VCPUsUsed.Set(0)
	cn.MemoryMB.Set(h.memMB)
	cn.MemoryMBUsed.Set(0)
	cn.FreeRAMMB.Set(h.memMB)
	cn.LocalGB.Set(h.diskGB)
	cn.LocalGBUsed.Set(0)
	cn.FreeDiskGB.Set(h.diskGB)
	cn.DiskAvailableLeast.Set(h.diskGB)
	cn.RunningVMs.Set(0)
	cn.CPUAllocationRatio.Set(h.cpuRatio)
	cn.RAMAllocationRatio.Set(h.ramRatio)
	cn.DiskAllocationRatio.Set(h.diskRatio)
	if err := c.store.ComputeNodes.Create(ctx, cn); err != nil {
		t.Fatal(err)
	}
	if h.noInventory {
		return cn
	}
	inv := placement.InventoryFromComputeNode(cn, placement.Resources{}, placement.DefaultAllocationRatios())
	if err := c.placement.SetInventory(ctx, schedNode(h), inv); err != nil {
		t.Fatal(err)
	}
	return cn
}

// report is a state report of host's compute at the fake clock's now.
func (c *schedCloud) report(t *testing.T, host string) {
	t.Helper()
	if _, err := c.store.Services.Report(schedCtx(t), host, scheduler.ComputeBinary); err != nil {
		t.Fatal(err)
	}
}

// schedSpec is a request for one instance of a flavor.
func schedSpec(vcpus, memMB, rootGB int) *objects.RequestSpec {
	f := objects.NewFlavor("test", vcpus, memMB, rootGB)
	f.FlavorID.Set(fmt.Sprintf("f-%d-%d-%d", vcpus, memMB, rootGB))
	s := new(objects.RequestSpec)
	s.InstanceUUID.Set(uuid.NewString())
	s.Flavor.Set(f)
	s.NumInstances.Set(1)
	s.IsBFV.Set(false)
	return s
}

// selectOne asks for one instance (the spec's) with alternates.
func (c *schedCloud) selectOne(t *testing.T, spec *objects.RequestSpec) (scheduler.Selections, error) {
	t.Helper()
	return c.api.SelectDestinations(schedCtx(t), scheduler.SelectDestinationsArgs{
		RequestSpec: spec, InstanceUUIDs: []string{spec.InstanceUUID.Get()}, ReturnObjects: true, ReturnAlternates: true,
	})
}

// allocations is every consumer's allocations, by consumer, as placement
// holds them now.
func (c *schedCloud) allocations(t *testing.T) map[string]map[placement.Node]placement.Resources {
	t.Helper()
	provs, err := c.placement.List(schedCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[placement.Node]placement.Resources{}
	for _, p := range provs {
		for consumer, r := range p.Allocations {
			if out[consumer] == nil {
				out[consumer] = map[placement.Node]placement.Resources{}
			}
			out[consumer][p.Node] = r
		}
	}
	return out
}

// expectNoOverCommit fails if any node holds more than its capacity.
func (c *schedCloud) expectNoOverCommit(t *testing.T) {
	t.Helper()
	provs, err := c.placement.List(schedCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range provs {
		if f := p.Free(); f.VCPU < 0 || f.MemoryMB < 0 || f.DiskGB < 0 {
			t.Errorf("%s is over-committed: used %v, capacity %+v", p.Node, p.Used(), p.Inventory.Capacity())
		}
	}
}

// selectedNode is the node a Selection names.
func schedSelectedNode(s *objects.Selection) placement.Node {
	return placement.Node{Host: s.ServiceHost.Get(), Nodename: s.Nodename.Get()}
}

func schedHostsOf(sels []*objects.Selection) []string {
	out := make([]string, len(sels))
	for i, s := range sels {
		out[i] = s.ServiceHost.Get()
	}
	return out
}

// serverCalls reads a scheduler's server-side count of a method's calls.
func (c *schedCloud) serverCalls(t *testing.T, host, method string) float64 {
	t.Helper()
	families, err := c.metrics[host].Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != "novanats_rpc_server_invocation_end_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "method" && l.GetValue() == method {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}

func schedMustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not say %q:\n%s", what, sub, s)
		}
	}
}
