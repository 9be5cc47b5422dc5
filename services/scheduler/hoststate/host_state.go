package hoststate

import (
	"errors"
	"fmt"

	"github.com/novanats/novanats/pkg/objects"
)

// ErrUsageNotReported is returned by New for a compute node whose
// free_disk_gb is still unset: the compute service has created the record
// but not yet reported its usage, so its free resources are unknown. nova's
// HostState ignores such a node ("its usage has not been updated yet");
// the caller should skip it until the next report.
var ErrUsageNotReported = errors.New("compute node has not reported its usage yet")

// HostState is one compute node as the scheduler sees it while placing a
// request. Field names follow nova's HostState attributes.
type HostState struct {
	// Host is the compute service's host; Nodename the hypervisor's
	// node on it (hypervisor_hostname). One host may have several nodes.
	Host     string
	Nodename string
	// UUID is the ComputeNode's uuid, which a Selection names.
	UUID string
	// CellUUID is the cell the node is in, for the Selection; New leaves
	// it empty and a caller that knows the cell sets it.
	CellUUID string

	HypervisorType    string
	HypervisorVersion int

	// VCPUsTotal and VCPUsUsed are physical vCPUs and vCPUs allocated
	// to instances (vcpus, vcpus_used).
	VCPUsTotal int
	VCPUsUsed  int
	// TotalUsableRAMMB is the node's memory_mb; FreeRAMMB its
	// free_ram_mb, which may be negative on an oversubscribed node.
	TotalUsableRAMMB int
	FreeRAMMB        int
	// TotalUsableDiskGB is local_gb; DiskMBUsed is local_gb_used in MB;
	// FreeDiskMB is the free local disk in MB, the smaller of
	// free_disk_gb and disk_available_least.
	TotalUsableDiskGB int
	DiskMBUsed        int
	FreeDiskMB        int

	// The ratios in force for this node: its own when it reported one,
	// else the scheduler's defaults.
	CPUAllocationRatio  float64
	RAMAllocationRatio  float64
	DiskAllocationRatio float64

	// NumInstances is how many instances the node runs (running_vms),
	// counted up by ConsumeFromRequest.
	NumInstances int

	// AvailabilityZone is the zone of the host's aggregate, empty when it
	// is in none (the AvailabilityZoneFilter then uses the default zone).
	AvailabilityZone string

	// The node's nova-compute service. ServiceUp is the service group's
	// verdict, computed by the caller; the filters only read it.
	ServiceUp       bool
	ServiceDisabled bool
	DisabledReason  string

	// Limits are the oversubscription ceilings the resource filters
	// computed for this host (nova's host_state.limits).
	Limits Limits
}

// Service is what the caller knows about a node's nova-compute service.
type Service struct {
	// Up is the service group's verdict (heartbeat recent, not forced
	// down); HostState does not compute it.
	Up             bool
	Disabled       bool
	DisabledReason string
}

// ServiceFrom reads the disabled flag and reason of svc and pairs them
// with the caller's up verdict. A nil svc is a host with no service record,
// which nova never schedules to, so it is reported down.
func ServiceFrom(svc *objects.Service, up bool) Service {
	if svc == nil {
		return Service{}
	}
	return Service{
		Up:             up,
		Disabled:       svc.Disabled.Get(),
		DisabledReason: svc.DisabledReason.Get(),
	}
}

// New builds the HostState of cn, the way nova's HostState.update reads a
// ComputeNode (_update_from_compute_node) and its service. az is the
// host's availability zone, empty for none. defaults are the scheduler's
// allocation ratios, used where cn reports none (0 or unset).
//
// It fails on a node it cannot place on safely: no compute node, no host,
// negative ratios, or usage not reported yet (ErrUsageNotReported).
func New(cn *objects.ComputeNode, svc Service, az string, defaults AllocationRatios) (*HostState, error) {
	if cn == nil {
		return nil, errors.New("hoststate: nil compute node")
	}
	if err := defaults.Validate(); err != nil {
		return nil, fmt.Errorf("hoststate: default %w", err)
	}
	id := cn.UUID.Get()
	host, ok := cn.Host.Lookup()
	if !ok || host == "" {
		return nil, fmt.Errorf("hoststate: compute node %s has no host", id)
	}
	freeDiskGB, ok := cn.FreeDiskGB.Lookup()
	if !ok {
		return nil, fmt.Errorf("hoststate: compute node %s (%s): %w", id, host, ErrUsageNotReported)
	}
	nodeRatios := AllocationRatios{
		CPU:  cn.CPUAllocationRatio.Get(),
		RAM:  cn.RAMAllocationRatio.Get(),
		Disk: cn.DiskAllocationRatio.Get(),
	}
	if err := nodeRatios.Validate(); err != nil {
		return nil, fmt.Errorf("hoststate: compute node %s (%s): %w", id, host, err)
	}

	// nova trusts the smaller of the database's free_disk_gb and the
	// hypervisor's disk_available_least: thin-provisioned images may
	// still grow into space the database counts as free.
	if least, ok := cn.DiskAvailableLeast.Lookup(); ok && least < freeDiskGB {
		freeDiskGB = least
	}
	// The resource tracker computes free_ram_mb as memory_mb -
	// memory_mb_used; derive it the same way if a record lacks it.
	freeRAM, ok := cn.FreeRAMMB.Lookup()
	if !ok {
		freeRAM = cn.MemoryMB.Get() - cn.MemoryMBUsed.Get()
	}

	return &HostState{
		Host:                host,
		Nodename:            cn.HypervisorHostname.Get(),
		UUID:                id,
		HypervisorType:      cn.HypervisorType.Get(),
		HypervisorVersion:   cn.HypervisorVersion.Get(),
		VCPUsTotal:          cn.VCPUs.Get(),
		VCPUsUsed:           cn.VCPUsUsed.Get(),
		TotalUsableRAMMB:    cn.MemoryMB.Get(),
		FreeRAMMB:           freeRAM,
		TotalUsableDiskGB:   cn.LocalGB.Get(),
		DiskMBUsed:          cn.LocalGBUsed.Get() * 1024,
		FreeDiskMB:          freeDiskGB * 1024,
		CPUAllocationRatio:  resolve(nodeRatios.CPU, defaults.CPU, DefaultCPUAllocationRatio),
		RAMAllocationRatio:  resolve(nodeRatios.RAM, defaults.RAM, DefaultRAMAllocationRatio),
		DiskAllocationRatio: resolve(nodeRatios.Disk, defaults.Disk, DefaultDiskAllocationRatio),
		NumInstances:        cn.RunningVMs.Get(),
		AvailabilityZone:    az,
		ServiceUp:           svc.Up,
		ServiceDisabled:     svc.Disabled,
		DisabledReason:      svc.DisabledReason,
	}, nil
}

// Clone returns an independent copy, so one request's consumption and
// limits do not leak into another's view of the host.
func (h *HostState) Clone() *HostState {
	c := *h
	return &c
}

// String is nova's HostState __repr__, the form its filter logs use.
func (h *HostState) String() string {
	return fmt.Sprintf("(%s, %s) ram: %dMB disk: %dMB instances: %d",
		h.Host, h.Nodename, h.FreeRAMMB, h.FreeDiskMB, h.NumInstances)
}
