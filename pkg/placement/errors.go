package placement

import (
	"fmt"

	"github.com/novanats/novanats/pkg/rpc"
)

// Why a claim failed, ClaimFailed.Reason.
const (
	// ReasonCapacity: used + requested would exceed the capacity.
	ReasonCapacity = "capacity"
	// ReasonMaxUnit: the request alone is larger than the node's total,
	// placement's max_unit, which nova sets to the total.
	ReasonMaxUnit = "max_unit"
)

// ClaimFailed says a node could not take a claim, naming the first
// resource class that did not fit. Nothing was written.
type ClaimFailed struct {
	Host      string  `msgpack:"host"`
	Nodename  string  `msgpack:"nodename"`
	Consumer  string  `msgpack:"consumer"`
	Resource  string  `msgpack:"resource"`
	Requested int     `msgpack:"requested"`
	Used      int     `msgpack:"used"`
	Capacity  float64 `msgpack:"capacity"`
	Total     int     `msgpack:"total"`
	Reason    string  `msgpack:"reason"`
}

func (e *ClaimFailed) Error() string {
	if e.Reason == ReasonMaxUnit {
		return fmt.Sprintf("Unable to claim %d %s for consumer %s on resource provider (%s, %s): the amount exceeds the provider's total of %d",
			e.Requested, e.Resource, e.Consumer, e.Host, e.Nodename, e.Total)
	}
	return fmt.Sprintf("Unable to claim %d %s for consumer %s on resource provider (%s, %s): the requested amount would exceed the capacity (capacity %s, used %d)",
		e.Requested, e.Resource, e.Consumer, e.Host, e.Nodename, num(e.Capacity), e.Used)
}

// ResourceProviderNotFound: the node has no record, because its compute
// has not set an inventory yet (or the node was never a compute node).
type ResourceProviderNotFound struct {
	Host     string `msgpack:"host"`
	Nodename string `msgpack:"nodename"`
}

func (e *ResourceProviderNotFound) Error() string {
	return fmt.Sprintf("No resource provider for node (%s, %s): its compute has not reported an inventory", e.Host, e.Nodename)
}

// AllocationNotFound: the consumer holds no allocation on the node.
type AllocationNotFound struct {
	Host     string `msgpack:"host"`
	Nodename string `msgpack:"nodename"`
	Consumer string `msgpack:"consumer"`
}

func (e *AllocationNotFound) Error() string {
	return fmt.Sprintf("Consumer %s has no allocation on resource provider (%s, %s)", e.Consumer, e.Host, e.Nodename)
}

// ConsumerConflict: Move's target consumer already holds an allocation on
// the node, and merging the two would hide which is which.
type ConsumerConflict struct {
	Host     string `msgpack:"host"`
	Nodename string `msgpack:"nodename"`
	From     string `msgpack:"from"`
	To       string `msgpack:"to"`
}

func (e *ConsumerConflict) Error() string {
	return fmt.Sprintf("Cannot move the allocation of consumer %s to %s on resource provider (%s, %s): %s already holds one there",
		e.From, e.To, e.Host, e.Nodename, e.To)
}

// The errors travel over RPC (a conductor calling placement for a compute)
// and are rebuilt on the caller so errors.As works there.
func init() {
	rpc.RegisterError[*ClaimFailed]("ClaimFailed")
	rpc.RegisterError[*ResourceProviderNotFound]("ResourceProviderNotFound")
	rpc.RegisterError[*AllocationNotFound]("AllocationNotFound")
	rpc.RegisterError[*ConsumerConflict]("ConsumerConflict")
}
