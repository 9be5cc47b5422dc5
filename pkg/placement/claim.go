package placement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Claim makes consumer hold req on node, if it fits: for every class
// requested, used + requested <= (total - reserved) × ratio and requested
// <= total. Otherwise it returns a *ClaimFailed naming the class, and
// writes nothing. A *ResourceProviderNotFound means the node has no
// inventory yet.
//
// The check and the write are one compare-and-swap on the node's
// generation: when another writer changed the node in between, the claim
// is checked again against the fresh record. Two claims racing for the
// last room therefore cannot both succeed.
//
// A consumer that already holds an allocation on the node has it replaced
// (checked without the old amounts); claiming the same amounts again
// writes nothing, so a retried claim is harmless.
func (p *Placement) Claim(ctx context.Context, node Node, consumer string, req Resources) error {
	if err := checkArgs(node, consumer); err != nil {
		return err
	}
	if err := req.validate("claim"); err != nil {
		return err
	}
	if req.IsZero() {
		return fmt.Errorf("placement: claim for %s on %s asks for nothing", consumer, node)
	}
	return p.mutate(ctx, node, func(cur *Provider) error {
		if old, ok := cur.Allocations[consumer]; ok && old == req {
			return errUnchanged
		}
		if err := cur.checkClaim(consumer, req); err != nil {
			return err
		}
		cur.Allocations[consumer] = req
		return nil
	})
}

// Release drops consumer's allocation on node, or returns
// *AllocationNotFound if it holds none there.
func (p *Placement) Release(ctx context.Context, node Node, consumer string) error {
	if err := checkArgs(node, consumer); err != nil {
		return err
	}
	return p.mutate(ctx, node, func(cur *Provider) error {
		if _, ok := cur.Allocations[consumer]; !ok {
			return &AllocationNotFound{Host: node.Host, Nodename: node.Nodename, Consumer: consumer}
		}
		delete(cur.Allocations, consumer)
		return nil
	})
}

// ReleaseConsumer drops every allocation consumer holds, on whichever
// nodes, as nova's delete_allocation_for_instance does, and returns the
// nodes it released from (none is not an error: cleaning up twice is
// fine). It is what a caller does when a build or move it scheduled
// fails and it does not know, or trust, where the claims are.
func (p *Placement) ReleaseConsumer(ctx context.Context, consumer string) ([]Node, error) {
	if consumer == "" {
		return nil, errors.New("placement: release needs a consumer")
	}
	held, err := p.Allocations(ctx, consumer)
	if err != nil {
		return nil, err
	}
	nodes := make([]Node, 0, len(held))
	for n := range held {
		nodes = append(nodes, n)
	}
	slices.SortFunc(nodes, func(a, b Node) int {
		if c := strings.Compare(a.Host, b.Host); c != 0 {
			return c
		}
		return strings.Compare(a.Nodename, b.Nodename)
	})
	var released []Node
	var errs []error
	for _, n := range nodes {
		err := p.Release(ctx, n, consumer)
		var gone *AllocationNotFound
		switch {
		case err == nil:
			released = append(released, n)
		case errors.As(err, &gone):
			// Released by someone else since the index was read.
		default:
			errs = append(errs, err)
		}
	}
	return released, errors.Join(errs...)
}

// Move gives the allocation that from holds on node to to, in one write,
// so the node's usage never changes on the way. The conductor does this
// before scheduling a live migration (from the instance to the migration)
// and back when the migration fails.
//
// If from holds nothing and to already holds an allocation, the move is
// taken as done (a retry after an unclear outcome) and nothing is written.
// If from holds nothing otherwise, it is *AllocationNotFound; if both hold
// one, *ConsumerConflict.
func (p *Placement) Move(ctx context.Context, node Node, from, to string) error {
	if err := checkArgs(node, from); err != nil {
		return err
	}
	if to == "" || to == from {
		return fmt.Errorf("placement: move on %s needs two different consumers, got %q and %q", node, from, to)
	}
	return p.mutate(ctx, node, func(cur *Provider) error {
		a, fromHolds := cur.Allocations[from]
		_, toHolds := cur.Allocations[to]
		switch {
		case !fromHolds && toHolds:
			return errUnchanged
		case !fromHolds:
			return &AllocationNotFound{Host: node.Host, Nodename: node.Nodename, Consumer: from}
		case toHolds:
			return &ConsumerConflict{Host: node.Host, Nodename: node.Nodename, From: from, To: to}
		}
		delete(cur.Allocations, from)
		cur.Allocations[to] = a
		return nil
	})
}

func checkArgs(node Node, consumer string) error {
	if err := node.validate(); err != nil {
		return err
	}
	if consumer == "" {
		return fmt.Errorf("placement: node %s: consumer is empty", node)
	}
	return nil
}
