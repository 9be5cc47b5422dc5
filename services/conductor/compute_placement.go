package conductor

import (
	"context"
	"fmt"

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

// registerCompute adds the conductor methods computes call beyond object
// indirection.
func (m *Manager) registerCompute(srv *rpc.Server) {
	ep := srv.Endpoint(PlacementNamespace, PlacementAPIVersion)
	rpc.HandleCall(ep, UpdateComputeInventory, m.updateComputeInventory)
	rpc.HandleCall(ep, DeleteAllocationForInstance, m.deleteAllocationForInstance)
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
