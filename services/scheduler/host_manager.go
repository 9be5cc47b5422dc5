package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// ComputeBinary is the binary of the services whose nodes the scheduler
// places instances on.
const ComputeBinary = "nova-compute"

// HostManager builds the scheduler's view of every compute node, nova's
// HostManager.get_all_host_states: the ComputeNode record, the liveness and
// disabled flag of the host's nova-compute service, and the node's usage
// in placement.
//
// It caches nothing. Another scheduler may have claimed on any node since
// the last request, and only placement knows; a cache would have to be
// refreshed from it before every decision anyway.
type HostManager struct {
	store     *store.Store
	placement *placement.Placement
	ratios    hoststate.AllocationRatios
	sg        servicegroup.Config
	clock     servicegroup.Clock
	cellUUID  string
}

// NewHostManager returns a host manager reading st and pl, with cfg's
// allocation ratios, service group settings, clock (nil: the wall clock)
// and cell.
func NewHostManager(st *store.Store, pl *placement.Placement, cfg Config) *HostManager {
	clock := cfg.Clock
	if clock == nil {
		clock = servicegroup.RealClock()
	}
	return &HostManager{store: st, placement: pl, ratios: cfg.AllocationRatios, sg: cfg.ServiceGroup, clock: clock, cellUUID: cfg.CellUUID}
}

// SkippedNode is a compute node left out of scheduling before any filter,
// because nothing safe can be said about its capacity.
type SkippedNode struct {
	Node   placement.Node
	UUID   string
	Reason string
}

// HostStates returns a fresh HostState per schedulable compute node,
// sorted by host and node, and the nodes it had to leave out.
//
// A node is left out when its record cannot be read as a host (no host,
// usage never reported) or when it has no inventory in placement: nothing
// could be claimed on it, so it is no candidate, as nova only considers
// the providers placement returned. Unreadable records are logged and
// skipped rather than failing every request.
func (hm *HostManager) HostStates(ctx context.Context, log *slog.Logger) ([]*hoststate.HostState, []SkippedNode, error) {
	var (
		wg        sync.WaitGroup
		nodes     []*objects.ComputeNode
		services  []*objects.Service
		providers []placement.Provider
		errs      [3]error
	)
	// Three independent scans; in parallel they cost one round trip.
	wg.Go(func() { nodes, errs[0] = hm.store.ComputeNodes.List(ctx) })
	wg.Go(func() { services, errs[1] = hm.store.Services.List(ctx) })
	wg.Go(func() { providers, errs[2] = hm.placement.List(ctx) })
	wg.Wait()
	for _, err := range errs {
		if err == nil {
			continue
		}
		if !errors.Is(err, db.ErrCorrupt) {
			return nil, nil, fmt.Errorf("scheduler: read host states: %w", err)
		}
		log.Warn("corrupt records left out of scheduling", "error", err)
	}

	now := hm.clock.Now()
	svcByHost := map[string]*objects.Service{}
	for _, sv := range services {
		if sv.Binary.Get() == ComputeBinary {
			svcByHost[sv.Host.Get()] = sv
		}
	}
	provByNode := make(map[placement.Node]placement.Provider, len(providers))
	for _, p := range providers {
		provByNode[p.Node] = p
	}

	var hosts []*hoststate.HostState
	var skipped []SkippedNode
	for _, cn := range nodes {
		node := placement.NodeOf(cn)
		sv := svcByHost[node.Host]
		up := sv != nil && store.IsUp(sv, hm.sg, now)
		h, err := hoststate.New(cn, hoststate.ServiceFrom(sv, up), availabilityZone(sv), hm.ratios)
		if err != nil {
			skipped = append(skipped, SkippedNode{Node: node, UUID: cn.UUID.Get(), Reason: err.Error()})
			continue
		}
		prov, ok := provByNode[node]
		if !ok {
			skipped = append(skipped, SkippedNode{Node: node, UUID: cn.UUID.Get(), Reason: "no inventory in placement"})
			continue
		}
		applyPlacement(h, prov)
		h.CellUUID = hm.cellUUID
		hosts = append(hosts, h)
	}
	return hosts, skipped, nil
}

func availabilityZone(sv *objects.Service) string {
	if sv == nil {
		return ""
	}
	return sv.AvailabilityZone.Get()
}

// applyPlacement makes h's usage the tighter of what the compute last
// reported and what placement holds, per resource.
//
// Placement is usually the tighter: it has every claim the moment it is
// made, by any scheduler, while the compute's report trails by up to an
// update interval. But the compute's report can be the tighter one too
// (an instance whose allocation was lost, usage placement was never told
// about), and filtering on the smaller room of the two never offers a
// host that either view says is full.
//
// Placement's view is written in HostState's terms so the filters'
// arithmetic gives placement's numbers: the usable total is total minus
// reserved, used is the sum of the allocations, so RamFilter's
// "total × ratio − used" is placement's "(total − reserved) × ratio −
// used".
func applyPlacement(h *hoststate.HostState, p placement.Provider) {
	inv, used := p.Inventory, p.Used()

	ram := inv.Total.MemoryMB - inv.Reserved.MemoryMB
	if float64(ram)*inv.Ratios.MemoryMB-float64(used.MemoryMB) <= h.UsableRAMMB() {
		h.TotalUsableRAMMB = ram
		h.FreeRAMMB = ram - used.MemoryMB
		h.RAMAllocationRatio = inv.Ratios.MemoryMB
	}

	cpus := inv.Total.VCPU - inv.Reserved.VCPU
	if float64(cpus)*inv.Ratios.VCPU-float64(used.VCPU) <= h.FreeVCPUs() {
		h.VCPUsTotal = cpus
		h.VCPUsUsed = used.VCPU
		h.CPUAllocationRatio = inv.Ratios.VCPU
	}

	disk := inv.Total.DiskGB - inv.Reserved.DiskGB
	if float64(disk*1024)*inv.Ratios.DiskGB-float64(used.DiskGB*1024) <= h.UsableDiskMB() {
		h.TotalUsableDiskGB = disk
		h.FreeDiskMB = (disk - used.DiskGB) * 1024
		h.DiskMBUsed = used.DiskGB * 1024
		h.DiskAllocationRatio = inv.Ratios.DiskGB
	}

	// Instances claimed by other schedulers count before the compute
	// reports them running (migration consumers count too: they hold
	// room on the node as much as an instance does).
	h.NumInstances = max(h.NumInstances, len(p.Allocations))
}
