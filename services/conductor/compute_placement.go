package conductor

import (
	"context"
	"errors"
	"fmt"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
)

// Nova's compute talks to placement over REST (its SchedulerReportClient);
// ours has no store access, so the conductor is its placement client. The
// methods live in their own namespace, as nova keeps compute_task apart
// from the base API, so that they version on their own and the base API's
// table in rpcapi.go is left alone.
const (
	// PlacementNamespace is the endpoint namespace of the methods below.
	PlacementNamespace = "placement"
	// PlacementAPIVersion is that endpoint's version.
	PlacementAPIVersion = "1.0"
)

// The conductor's placement API, for computes.
var (
	// UpdateComputeInventory records a compute node's inventory (nova's
	// set_inventory_for_provider, which update_available_resource reaches
	// through update_provider_tree). Idempotent.
	UpdateComputeInventory = rpc.DefineCall[UpdateComputeInventoryArgs, rpc.NoReply](Topic, PlacementNamespace, "update_compute_inventory", "1.0")
	// DeleteAllocationForInstance releases every allocation an instance
	// holds, the claim the scheduler made for it (nova's
	// delete_allocation_for_instance): on a failed build and on delete.
	// Releasing twice is not an error.
	DeleteAllocationForInstance = rpc.DefineCall[DeleteAllocationForInstanceArgs, DeleteAllocationForInstanceReply](Topic, PlacementNamespace, "delete_allocation_for_instance", "1.0")
	// MoveAllocations gives the source consumer's allocations to the
	// target consumer, whose own allocations are dropped (nova's
	// reportclient.move_allocations). A failed or cancelled live
	// migration reverts with it: the migration's allocation on the source
	// goes back to the instance, and the instance's claim on the
	// destination goes. A source holding nothing moves nothing (a retry,
	// or a migration that never held any): not an error.
	MoveAllocations = rpc.DefineCall[MoveAllocationsArgs, MoveAllocationsReply](Topic, PlacementNamespace, "move_allocations", "1.0")
)

// UpdateComputeInventoryArgs are update_compute_inventory's arguments: one
// compute node's whole inventory.
type UpdateComputeInventoryArgs struct {
	Node      placement.Node      `msgpack:"node"`
	Inventory placement.Inventory `msgpack:"inventory"`
}

// DeleteAllocationForInstanceArgs name the consumer whose allocations go.
type DeleteAllocationForInstanceArgs struct {
	InstanceUUID string `msgpack:"instance_uuid"`
}

// DeleteAllocationForInstanceReply lists the nodes the instance held
// allocations on; empty when it held none.
type DeleteAllocationForInstanceReply struct {
	Released []placement.Node `msgpack:"released"`
}

// MoveAllocationsArgs name the consumers: the migration and the instance
// for a live migration's revert.
type MoveAllocationsArgs struct {
	SourceConsumer string `msgpack:"source_consumer_uuid"`
	TargetConsumer string `msgpack:"target_consumer_uuid"`
}

// MoveAllocationsReply lists the nodes whose allocation changed hands and
// those where the target's own allocation was dropped.
type MoveAllocationsReply struct {
	Moved    []placement.Node `msgpack:"moved"`
	Released []placement.Node `msgpack:"released"`
}

// UpdateComputeInventory calls update_compute_inventory on any conductor.
func (a *API) UpdateComputeInventory(ctx context.Context, node placement.Node, inv placement.Inventory) error {
	_, err := UpdateComputeInventory.Invoke(ctx, a.client, UpdateComputeInventoryArgs{Node: node, Inventory: inv})
	return err
}

// DeleteAllocationForInstance calls delete_allocation_for_instance on any
// conductor and returns the nodes released.
func (a *API) DeleteAllocationForInstance(ctx context.Context, instanceUUID string) ([]placement.Node, error) {
	r, err := DeleteAllocationForInstance.Invoke(ctx, a.client, DeleteAllocationForInstanceArgs{InstanceUUID: instanceUUID})
	return r.Released, err
}

// MoveAllocations calls move_allocations on any conductor.
func (a *API) MoveAllocations(ctx context.Context, source, target string) (MoveAllocationsReply, error) {
	return MoveAllocations.Invoke(ctx, a.client, MoveAllocationsArgs{SourceConsumer: source, TargetConsumer: target})
}

// registerCompute adds the conductor methods computes call beyond object
// indirection.
func (m *Manager) registerCompute(srv *rpc.Server) {
	ep := srv.Endpoint(PlacementNamespace, PlacementAPIVersion)
	rpc.HandleCall(ep, UpdateComputeInventory, m.updateComputeInventory)
	rpc.HandleCall(ep, DeleteAllocationForInstance, m.deleteAllocationForInstance)
	rpc.HandleCall(ep, MoveAllocations, m.moveAllocations)
}

// placement binds pkg/placement to the store's DB. The process that opens
// the DB declares placement's bucket next to the store's
// (store.Buckets() + placement.Bucket()); binding is in memory and cheap,
// so it is done per call rather than kept on the Manager.
func (m *Manager) placementClient() (*placement.Placement, error) {
	p, err := placement.New(m.store.DB(), placement.Config{Logger: m.log})
	if err != nil {
		return nil, fmt.Errorf("conductor: placement is not available (open the store's DB with placement.Bucket()): %w", err)
	}
	return p, nil
}

func (m *Manager) updateComputeInventory(ctx context.Context, args UpdateComputeInventoryArgs) (rpc.NoReply, error) {
	p, err := m.placementClient()
	if err != nil {
		return rpc.NoReply{}, err
	}
	if err := p.SetInventory(ctx, args.Node, args.Inventory); err != nil {
		return rpc.NoReply{}, err
	}
	rpc.Logger(ctx, m.log).Debug("compute inventory updated", "node", args.Node.String(),
		"total", args.Inventory.Total.String(), "reserved", args.Inventory.Reserved.String())
	return rpc.NoReply{}, nil
}

func (m *Manager) deleteAllocationForInstance(ctx context.Context, args DeleteAllocationForInstanceArgs) (DeleteAllocationForInstanceReply, error) {
	if err := need("delete_allocation_for_instance", "instance_uuid", args.InstanceUUID); err != nil {
		return DeleteAllocationForInstanceReply{}, err
	}
	p, err := m.placementClient()
	if err != nil {
		return DeleteAllocationForInstanceReply{}, err
	}
	released, err := p.ReleaseConsumer(ctx, args.InstanceUUID)
	if err != nil {
		return DeleteAllocationForInstanceReply{Released: released}, err
	}
	rpc.Logger(ctx, m.log).Debug("allocations released", "instance_uuid", args.InstanceUUID, "nodes", len(released))
	return DeleteAllocationForInstanceReply{Released: released}, nil
}

// moveAllocations is nova's move_allocations on pkg/placement: the
// target's allocations on nodes the source does not hold are released,
// then each of the source's is moved (Move: one write per node, so the
// node's usage does not change on the way). The steps are not one
// transaction; each is idempotent, so a caller that saw an error retries.
func (m *Manager) moveAllocations(ctx context.Context, args MoveAllocationsArgs) (MoveAllocationsReply, error) {
	var reply MoveAllocationsReply
	if err := need("move_allocations", "source_consumer_uuid", args.SourceConsumer, "target_consumer_uuid", args.TargetConsumer); err != nil {
		return reply, err
	}
	if args.SourceConsumer == args.TargetConsumer {
		return reply, &exception.ObjectActionError{Action: "move_allocations", Reason: "source and target consumers are the same"}
	}
	p, err := m.placementClient()
	if err != nil {
		return reply, err
	}
	held, err := p.Allocations(ctx, args.SourceConsumer)
	if err != nil {
		return reply, err
	}
	if len(held) == 0 {
		return reply, nil
	}
	targets, err := p.Allocations(ctx, args.TargetConsumer)
	if err != nil {
		return reply, err
	}
	var gone *placement.AllocationNotFound
	for n := range targets {
		if err := p.Release(ctx, n, args.TargetConsumer); err != nil && !errors.As(err, &gone) {
			return reply, err
		}
		reply.Released = append(reply.Released, n)
	}
	for n := range held {
		if err := p.Move(ctx, n, args.SourceConsumer, args.TargetConsumer); err != nil {
			return reply, err
		}
		reply.Moved = append(reply.Moved, n)
	}
	rpc.Logger(ctx, m.log).Debug("allocations moved", "source_consumer", args.SourceConsumer,
		"target_consumer", args.TargetConsumer, "moved", len(reply.Moved), "released", len(reply.Released))
	return reply, nil
}
