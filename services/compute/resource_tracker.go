package compute

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/conductor"
)

// resourceTracker is nova's ResourceTracker for this host's one node: it
// counts what the instances placed here use, keeps the ComputeNode record
// (which the scheduler's filters read) up to date through the conductor,
// and reports the node's inventory to placement (where the scheduler
// claims).
//
// Usage is counted from the instances, not from the hypervisor: an
// instance claimed and still spawning already uses its flavor, as in nova.
// Claims and releases adjust it at once; update_available_resource
// recounts it from the instance records, which corrects any drift.
//
// One mutex (nova's COMPUTE_RESOURCE_SEMAPHORE) covers a claim's instance
// save and a recount's instance listing, so a recount never misses an
// instance a claim is placing.
type resourceTracker struct {
	host      string
	cfg       Config
	driver    virt.Driver
	conductor *conductor.Indirection
	api       *conductor.API
	log       *slog.Logger

	mu        sync.Mutex
	serviceID int
	nodename  string
	node      *objects.ComputeNode // the stored record; nil until the first update
	tracked   map[string]tracked   // instances counted on the node, by uuid
	incoming  map[string]struct{}  // instances prepared to arrive by live migration
	pushed    *placement.Inventory // the inventory placement last accepted
	pushedAt  time.Time            // when, by clock
	clock     servicegroup.Clock
}

// providerRefresh is nova's resource_provider_association_refresh (300 s):
// how long the compute trusts that placement still holds the inventory it
// last reported, before it reports it again unchanged (placement's record
// may have been lost or rewritten by someone else).
const providerRefresh = 300 * time.Second

// tracked is what one instance counts for.
type tracked struct {
	usage
	// busy: the instance has a task in progress (nova's
	// current_workload counts these).
	busy bool
}

// usage is one instance's share of the node, from its flavor.
type usage struct {
	VCPUs    int
	MemoryMB int
	// LocalGB is the root and ephemeral disks; SwapMB the swap disk,
	// which nova counts in local_gb_used as swap / 1024.
	LocalGB int
	SwapMB  int
}

// usageOf is nova's _get_usage_dict: the instance's flat sizes, which
// nova copies from the flavor at create time, else the flavor's; swap
// only exists on the flavor.
func usageOf(inst *objects.Instance) usage {
	var fl *objects.Flavor
	if inst.Flavor.IsSet() {
		fl = inst.Flavor.Get()
	}
	pick := func(n *objects.Nullable[int], fromFlavor func(*objects.Flavor) int) int {
		if v, ok := n.Lookup(); ok {
			return v
		}
		if fl != nil {
			return fromFlavor(fl)
		}
		return 0
	}
	u := usage{
		VCPUs:    pick(&inst.VCPUs, func(f *objects.Flavor) int { return f.VCPUs.Get() }),
		MemoryMB: pick(&inst.MemoryMB, func(f *objects.Flavor) int { return f.MemoryMB.Get() }),
		LocalGB: pick(&inst.RootGB, func(f *objects.Flavor) int { return f.RootGB.Get() }) +
			pick(&inst.EphemeralGB, func(f *objects.Flavor) int { return f.EphemeralGB.Get() }),
	}
	if fl != nil {
		u.SwapMB = fl.Swap.Get()
	}
	return u
}

func trackedOf(inst *objects.Instance) tracked {
	_, busy := inst.TaskState.Lookup()
	return tracked{usage: usageOf(inst), busy: busy}
}

// countsOnNode is whether an instance record placed on the node uses its
// resources: all but deleted and offloaded ones (nova's
// vm_states.ALLOW_RESOURCE_REMOVAL).
func countsOnNode(inst *objects.Instance) bool {
	vm, _ := inst.VMState.Lookup()
	return vm != objects.VMStateDeleted && vm != objects.VMStateShelvedOffloaded
}

func newResourceTracker(host string, cfg Config, driver virt.Driver, x *conductor.Indirection, api *conductor.API, clock servicegroup.Clock, log *slog.Logger) *resourceTracker {
	return &resourceTracker{host: host, cfg: cfg, driver: driver, conductor: x, api: api, clock: clock, log: log, tracked: map[string]tracked{}, incoming: map[string]struct{}{}}
}

// setService records the service the node belongs to (its service_id).
func (rt *resourceTracker) setService(id int) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.serviceID = id
}

// Nodename is the node's hypervisor_hostname, "" before the first update.
func (rt *resourceTracker) Nodename() string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.nodename
}

// updateAvailableResource is nova's update_available_resource for the
// node: read the hypervisor's totals, create the ComputeNode the first
// time, recount usage from the instances on the node, save the node if
// anything changed and report the inventory to placement if it changed.
func (rt *resourceTracker) updateAvailableResource(ctx context.Context) error {
	res, err := rt.driver.GetAvailableResource()
	if err != nil {
		return fmt.Errorf("get_available_resource: %w", err)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if err := rt.initComputeNode(ctx, res); err != nil {
		return err
	}
	instances, err := rt.conductor.InstancesByHost(ctx, rt.host)
	if err != nil {
		return fmt.Errorf("list the instances of host %s: %w", rt.host, err)
	}
	counted := make(map[string]tracked, len(instances))
	for _, inst := range instances {
		if inst.Node.Get() == rt.nodename && countsOnNode(inst) {
			counted[inst.UUID.Get()] = trackedOf(inst)
		}
	}
	// Instances arriving by live migration count here from
	// pre_live_migration on (nova's _update_usage_from_migrations): the
	// conductor claimed their room in placement, and the hypervisor holds
	// their incoming guest. Instances leaving are still this host's
	// records, counted above until the destination takes them.
	rt.countIncomingLocked(ctx, counted)
	rt.tracked = counted
	if err := rt.saveNodeLocked(ctx); err != nil {
		return err
	}
	return rt.pushInventoryLocked(ctx)
}

// initComputeNode fetches or creates the node record (nova's
// _init_compute_node) and copies the hypervisor's totals onto it.
func (rt *resourceTracker) initComputeNode(ctx context.Context, res virt.HostResources) error {
	nodename := res.HypervisorHostname
	if nodename == "" {
		nodename = rt.host
	}
	if rt.node != nil && rt.nodename != nodename {
		return fmt.Errorf("hypervisor node name changed from %q to %q; one compute serves one node", rt.nodename, nodename)
	}
	rt.nodename = nodename
	create := false
	if rt.node == nil {
		cn, err := rt.conductor.GetComputeNode(ctx, rt.host, nodename)
		switch {
		case err == nil:
			rt.node = cn
		case errors.Is(err, exception.ErrNotFound):
			rpc.Logger(ctx, rt.log).Info("compute node record not found; creating it", "nodename", nodename)
			cn = new(objects.ComputeNode)
			cn.UUID.Set(uuid.NewString())
			cn.Host.Set(rt.host)
			cn.HypervisorHostname.Set(nodename)
			rt.node, create = cn, true
		default:
			return fmt.Errorf("look up compute node (%s, %s): %w", rt.host, nodename, err)
		}
	}
	cn, r := rt.node, rt.cfg.ratios()
	setInt(&cn.VCPUs, res.VCPUs)
	setInt(&cn.MemoryMB, res.MemoryMB)
	setInt(&cn.LocalGB, res.LocalGB)
	setField(&cn.HypervisorType, res.HypervisorType)
	setInt(&cn.HypervisorVersion, res.HypervisorVersion)
	setField(&cn.CPUAllocationRatio, r.CPU)
	setField(&cn.RAMAllocationRatio, r.RAM)
	setField(&cn.DiskAllocationRatio, r.Disk)
	// What the hypervisor itself says is free on disk, which the
	// scheduler trusts over free_disk_gb when smaller (thin images grow).
	setNullable(&cn.DiskAvailableLeast, res.LocalGB-res.LocalGBUsed)
	if !cn.CPUInfo.IsSet() {
		cn.CPUInfo.Set("{}")
	}
	if rt.serviceID > 0 {
		setNullable(&cn.ServiceID, rt.serviceID)
	}
	if create {
		rt.fillUsageLocked()
		if err := rt.conductor.Create(ctx, cn); err != nil {
			rt.node = nil
			return fmt.Errorf("create compute node (%s, %s): %w", rt.host, nodename, err)
		}
	}
	return nil
}

// fillUsageLocked sets the node's usage fields from the tracked instances
// (nova's _update_usage_from_instances): what the host reserves for
// itself, plus every instance's share.
func (rt *resourceTracker) fillUsageLocked() {
	cn := rt.node
	vcpus, mem, diskMB, busy := rt.cfg.ReservedHostCPUs, rt.cfg.ReservedHostMemoryMB, rt.cfg.ReservedHostDiskMB, 0
	for _, t := range rt.tracked {
		vcpus += t.VCPUs
		mem += t.MemoryMB
		diskMB += t.LocalGB*1024 + t.SwapMB
		if t.busy {
			busy++
		}
	}
	diskGB := diskMB / 1024 // nova sums in GB with fractions and stores the integer part
	setInt(&cn.VCPUsUsed, vcpus)
	setInt(&cn.MemoryMBUsed, mem)
	setInt(&cn.LocalGBUsed, diskGB)
	setNullable(&cn.FreeRAMMB, cn.MemoryMB.Get()-mem)
	setNullable(&cn.FreeDiskGB, cn.LocalGB.Get()-diskGB)
	setNullable(&cn.RunningVMs, len(rt.tracked))
	setNullable(&cn.CurrentWorkload, busy)
}

// saveNodeLocked writes the node's usage if it changed (nova's _update
// saves only on a change). A node deleted under us is recreated by the
// next update.
func (rt *resourceTracker) saveNodeLocked(ctx context.Context) error {
	if rt.node == nil {
		return errors.New("compute node not initialised: update_available_resource has not run")
	}
	rt.fillUsageLocked()
	if len(rt.node.ObjWhatChanged()) == 0 {
		return nil
	}
	if err := rt.conductor.Save(ctx, rt.node); err != nil {
		if errors.Is(err, exception.ErrNotFound) {
			rt.node, rt.pushed = nil, nil
		}
		return fmt.Errorf("save compute node (%s, %s): %w", rt.host, rt.nodename, err)
	}
	return nil
}

// inventoryLocked is the node's inventory as nova's update_provider_tree
// reports it: totals from the hypervisor, reserved from the reserved_host_*
// options (disk rounded up to whole GB), the node's ratios.
func (rt *resourceTracker) inventoryLocked() placement.Inventory {
	cn := rt.node
	return placement.Inventory{
		Total: placement.Resources{VCPU: cn.VCPUs.Get(), MemoryMB: cn.MemoryMB.Get(), DiskGB: cn.LocalGB.Get()},
		Reserved: placement.Resources{
			VCPU:     rt.cfg.ReservedHostCPUs,
			MemoryMB: rt.cfg.ReservedHostMemoryMB,
			DiskGB:   (rt.cfg.ReservedHostDiskMB + 1023) / 1024,
		},
		Ratios: placement.AllocationRatios{
			VCPU: cn.CPUAllocationRatio.Get(), MemoryMB: cn.RAMAllocationRatio.Get(), DiskGB: cn.DiskAllocationRatio.Get(),
		},
	}
}

// pushInventoryLocked reports the inventory to placement when it differs
// from what placement last accepted, as nova's provider tree cache saves
// a PUT when nothing changed, or when the last report is older than
// providerRefresh.
func (rt *resourceTracker) pushInventoryLocked(ctx context.Context) error {
	inv := rt.inventoryLocked()
	now := rt.clock.Now()
	if rt.pushed != nil && *rt.pushed == inv && now.Sub(rt.pushedAt) < providerRefresh {
		return nil
	}
	node := placement.Node{Host: rt.host, Nodename: rt.nodename}
	if err := rt.api.UpdateComputeInventory(ctx, node, inv); err != nil {
		return fmt.Errorf("report inventory of %s to placement: %w", node, err)
	}
	rt.pushed, rt.pushedAt = &inv, now
	rpc.Logger(ctx, rt.log).Info("inventory reported to placement", "node", node.String(),
		"total", inv.Total.String(), "reserved", inv.Reserved.String())
	return nil
}

// instanceClaim is nova's instance_claim: the instance is placed on this
// host and node (host, node and launched_on saved through the conductor)
// and counted at once. The scheduler's placement claim is what admitted
// it; this claim only accounts for it. node "" is this host's node.
func (rt *resourceTracker) instanceClaim(ctx context.Context, inst *objects.Instance, node string) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.node == nil {
		return &exception.ComputeHostNotFound{Host: rt.host}
	}
	if node != "" && node != rt.nodename {
		return &exception.ComputeNodeNotFound{ComputeID: rt.host + "/" + node}
	}
	inst.Host.Set(rt.host)
	inst.LaunchedOn.Set(rt.host)
	inst.Node.Set(rt.nodename)
	if err := rt.conductor.SaveInstance(ctx, inst); err != nil {
		return err
	}
	rt.tracked[inst.UUID.Get()] = trackedOf(inst)
	rt.saveUsageBestEffortLocked(ctx)
	return nil
}

// removeInstance stops counting an instance: nova's abort_instance_claim
// for a failed build, and its update_usage for a deleted instance.
func (rt *resourceTracker) removeInstance(ctx context.Context, uuid string) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, ok := rt.tracked[uuid]; !ok {
		return
	}
	delete(rt.tracked, uuid)
	rt.saveUsageBestEffortLocked(ctx)
}

// saveUsageBestEffortLocked saves the node after a claim or release. A
// failure is logged, not returned: the instance's own record is already
// right, and the next update_available_resource recounts from it.
func (rt *resourceTracker) saveUsageBestEffortLocked(ctx context.Context) {
	if rt.node == nil {
		return
	}
	if err := rt.saveNodeLocked(ctx); err != nil {
		rpc.Logger(ctx, rt.log).Warn("compute node usage not saved; the next update_available_resource recounts it", "error", err)
	}
}

// setField, setInt and setNullable set a field only when the value
// differs, so that an unchanged node saves nothing.
func setField[T comparable](f *objects.Field[T], v T) {
	if !f.IsSet() || f.Get() != v {
		f.Set(v)
	}
}

func setInt(f *objects.Field[int], v int) { setField(f, v) }

func setNullable[T comparable](f *objects.Nullable[T], v T) {
	if cur, ok := f.Lookup(); !ok || cur != v {
		f.Set(v)
	}
}

// countIncomingLocked adds to counted the instances a migration in
// progress is bringing to this host: its incoming guests. A lookup that
// fails is logged and skipped; the next update counts it.
func (rt *resourceTracker) countIncomingLocked(ctx context.Context, counted map[string]tracked) {
	migs, err := rt.conductor.MigrationsInProgressByHost(ctx, rt.host)
	if err != nil {
		rpc.Logger(ctx, rt.log).Warn("migrations in progress not listed; incoming instances not counted", "error", err)
		return
	}
	for _, mig := range migs {
		uuid := mig.InstanceUUID.Get()
		if mig.DestCompute.Get() != rt.host || !mig.IsLiveMigration() || uuid == "" {
			continue
		}
		if _, ok := counted[uuid]; ok {
			continue
		}
		if _, prepared := rt.incoming[uuid]; !prepared {
			// Not prepared here (yet, or by this run of the compute):
			// nothing of it is on this hypervisor.
			continue
		}
		inst, err := rt.conductor.GetInstance(ctx, uuid)
		if err != nil {
			rpc.Logger(ctx, rt.log).Warn("incoming instance not read; not counted", "instance_uuid", uuid, "error", err)
			continue
		}
		if inst.Host.Get() != rt.host {
			counted[uuid] = tracked{usage: usageOf(inst), busy: true}
		}
	}
	// Incoming guests whose migration is over and which did not arrive
	// are no longer expected.
	for uuid := range rt.incoming {
		if _, ok := counted[uuid]; !ok {
			delete(rt.incoming, uuid)
		}
	}
}

// trackIncoming counts an instance this host prepared to receive (nova's
// move claim at the destination), until it arrives or is rolled back.
func (rt *resourceTracker) trackIncoming(ctx context.Context, inst *objects.Instance) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	uuid := inst.UUID.Get()
	rt.incoming[uuid] = struct{}{}
	t := trackedOf(inst)
	t.busy = true
	rt.tracked[uuid] = t
	rt.saveUsageBestEffortLocked(ctx)
}

// dropIncoming stops counting an instance that will not arrive (nova's
// drop_move_claim_at_dest). An instance this host already owns is kept.
func (rt *resourceTracker) dropIncoming(ctx context.Context, uuid string) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, ok := rt.incoming[uuid]; !ok {
		return
	}
	delete(rt.incoming, uuid)
	delete(rt.tracked, uuid)
	rt.saveUsageBestEffortLocked(ctx)
}

// trackArrived counts an instance that arrived here as one of this host's
// own (its record now names this host and node).
func (rt *resourceTracker) trackArrived(ctx context.Context, inst *objects.Instance) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	uuid := inst.UUID.Get()
	delete(rt.incoming, uuid)
	rt.tracked[uuid] = trackedOf(inst)
	rt.saveUsageBestEffortLocked(ctx)
}
