package placement

import (
	"context"
	"errors"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/objects"
)

// nova's defaults for the allocation ratio options, used by
// InventoryFromComputeNode where a node reports none.
const (
	DefaultCPUAllocationRatio  = 16.0
	DefaultRAMAllocationRatio  = 1.5
	DefaultDiskAllocationRatio = 1.0
)

// DefaultAllocationRatios are nova's defaults (cpu 16.0, ram 1.5, disk 1.0).
func DefaultAllocationRatios() AllocationRatios {
	return AllocationRatios{VCPU: DefaultCPUAllocationRatio, MemoryMB: DefaultRAMAllocationRatio, DiskGB: DefaultDiskAllocationRatio}
}

// SetInventory records node's inventory, creating the node's record the
// first time. Allocations are kept. It is what the compute's
// update_available_resource leads to (through the conductor): the
// compute knows its totals, placement keeps them.
//
// As in placement, an inventory smaller than what is already allocated is
// accepted, since the hardware is what it is; it is logged, and no new
// claim fits until enough is released.
func (p *Placement) SetInventory(ctx context.Context, node Node, inv Inventory) error {
	if err := node.validate(); err != nil {
		return err
	}
	if err := inv.Validate(); err != nil {
		return err
	}
	for {
		var over *Provider
		err := p.mutate(ctx, node, func(cur *Provider) error {
			over = nil // fn runs again after a lost compare-and-swap
			if cur.Inventory == inv && cur.Node == node {
				return errUnchanged
			}
			cur.Node, cur.Inventory = node, inv
			if overCapacity(cur) {
				c := *cur
				over = &c
			}
			return nil
		})
		var missing *ResourceProviderNotFound
		if !errors.As(err, &missing) {
			if err == nil && over != nil {
				p.log.Warn("resource provider is now over capacity", "node", node.String(),
					"used", over.Used().String(), "total", inv.Total.String(), "reserved", inv.Reserved.String())
			}
			return err
		}
		_, err = p.t.Create(ctx, node.key(), Provider{Node: node, Inventory: inv, Allocations: map[string]Resources{}})
		if !errors.Is(err, db.ErrExists) {
			return err
		}
		// Another process created it first: update that record instead.
	}
}

func overCapacity(p *Provider) bool {
	free := p.Free()
	return free.VCPU < 0 || free.MemoryMB < 0 || free.DiskGB < 0
}

// InventoryFromComputeNode is the inventory a compute node's record
// describes: its vcpus, memory_mb and local_gb as totals, reserved as
// configured on the compute (reserved_host_cpus, reserved_host_memory_mb,
// reserved_host_disk_mb rounded up to GB by the caller), and its
// allocation ratios, where a ratio the node leaves at 0 takes defaults'
// (and a 0 default nova's built-in one), as nova's compute does when it
// reports inventory.
func InventoryFromComputeNode(cn *objects.ComputeNode, reserved Resources, defaults AllocationRatios) Inventory {
	builtin := DefaultAllocationRatios()
	return Inventory{
		Total:    Resources{VCPU: cn.VCPUs.Get(), MemoryMB: cn.MemoryMB.Get(), DiskGB: cn.LocalGB.Get()},
		Reserved: reserved,
		Ratios: AllocationRatios{
			VCPU:     pickRatio(cn.CPUAllocationRatio.Get(), defaults.VCPU, builtin.VCPU),
			MemoryMB: pickRatio(cn.RAMAllocationRatio.Get(), defaults.MemoryMB, builtin.MemoryMB),
			DiskGB:   pickRatio(cn.DiskAllocationRatio.Get(), defaults.DiskGB, builtin.DiskGB),
		},
	}
}

func pickRatio(node, def, builtin float64) float64 {
	switch {
	case node > 0:
		return node
	case def > 0:
		return def
	}
	return builtin
}

// NodeOf names the resource provider of a compute node record.
func NodeOf(cn *objects.ComputeNode) Node {
	return Node{Host: cn.Host.Get(), Nodename: cn.HypervisorHostname.Get()}
}
