package placement

import (
	"errors"
	"fmt"
	"slices"

	"github.com/novanats/novanats/pkg/db"
)

// Node names a resource provider: a compute node, by its service's host
// and its hypervisor_hostname.
type Node struct {
	Host     string `msgpack:"host" json:"host"`
	Nodename string `msgpack:"nodename" json:"nodename"`
}

func (n Node) String() string { return "(" + n.Host + ", " + n.Nodename + ")" }

func (n Node) key() db.Key { return db.KeyOf(n.Host, n.Nodename) }

func (n Node) validate() error {
	if n.Host == "" || n.Nodename == "" {
		return fmt.Errorf("placement: node %s needs a host and a node name", n)
	}
	return nil
}

// Provider is one node's record: its inventory and the allocations held
// against it, by consumer.
type Provider struct {
	Node      Node      `msgpack:"node"`
	Inventory Inventory `msgpack:"inventory"`
	// Allocations maps consumer uuids to what each holds on the node.
	Allocations map[string]Resources `msgpack:"allocations"`
	// Generation is the record's revision when it was read: placement's
	// resource provider generation. It is not stored in the record.
	Generation uint64 `msgpack:"-"`
}

// Used is the sum of every consumer's allocation.
func (p Provider) Used() Resources {
	var u Resources
	for _, a := range p.Allocations {
		u = u.Add(a)
	}
	return u
}

// Free is capacity minus usage per class; negative when the node is over
// capacity (its inventory shrank below what is allocated).
func (p Provider) Free() Capacity {
	c, u := p.Inventory.Capacity(), p.Used()
	return Capacity{
		VCPU:     c.VCPU - float64(u.VCPU),
		MemoryMB: c.MemoryMB - float64(u.MemoryMB),
		DiskGB:   c.DiskGB - float64(u.DiskGB),
	}
}

// Consumers lists the consumers holding allocations, sorted.
func (p Provider) Consumers() []string {
	out := make([]string, 0, len(p.Allocations))
	for c := range p.Allocations {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// checkClaim says whether consumer may hold req on p, leaving out what the
// consumer already holds there (a claim replaces it). It checks each class
// that req asks for, in a fixed order, with placement's two conditions.
func (p Provider) checkClaim(consumer string, req Resources) error {
	used := p.Used().Sub(p.Allocations[consumer])
	for _, c := range req.classes() {
		if c.amount == 0 {
			continue
		}
		total := p.Inventory.Total.of(c.class)
		capacity := p.Inventory.capacityOf(c.class)
		fail := &ClaimFailed{
			Host: p.Node.Host, Nodename: p.Node.Nodename, Consumer: consumer,
			Resource: c.class, Requested: c.amount, Used: used.of(c.class), Capacity: capacity, Total: total,
		}
		switch {
		case c.amount > total:
			fail.Reason = ReasonMaxUnit
			return fail
		case float64(used.of(c.class)+c.amount) > capacity:
			fail.Reason = ReasonCapacity
			return fail
		}
	}
	return nil
}

// errUnchanged aborts a Mutate whose result would equal the stored
// record: nothing needs writing, and skipping the write keeps the
// generation (and the history) for real changes.
var errUnchanged = errors.New("placement: no change")
