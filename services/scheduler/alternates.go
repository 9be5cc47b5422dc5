package scheduler

import (
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/services/scheduler/filters"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// selections builds the reply (nova's _get_alternate_hosts): per instance,
// its claimed host, then up to req.alternates other hosts in the same cell
// that passed the filters, best first. Alternates are not claimed; each
// carries the allocation request that claims it.
//
// Hosts claimed for this request are never alternates: they have less
// room left than the filters saw, and another instance of the request
// already counts on it. After a multi-instance request the filters and
// weighers run once more, as in nova, so alternates reflect what was
// consumed.
func (m *Manager) selections(req *request, claimed, hosts []*hoststate.HostState, last int) (Selections, error) {
	if req.alternates > 0 && last > 0 {
		passed, _ := filters.RunForIndex(m.filters, hosts, req.spec, last)
		hosts = m.sort(passed, req)
	}
	taken := make(map[placement.Node]bool, len(claimed))
	for _, h := range claimed {
		taken[nodeOf(h)] = true
	}
	out := make(Selections, len(claimed))
	for i, h := range claimed {
		sel, err := selectionFor(h, req.resources)
		if err != nil {
			return nil, err
		}
		list := []*objects.Selection{sel}
		for _, alt := range hosts {
			if len(list) > req.alternates {
				break
			}
			if taken[nodeOf(alt)] || alt.CellUUID != h.CellUUID {
				continue
			}
			s, err := selectionFor(alt, req.resources)
			if err != nil {
				return nil, err
			}
			list = append(list, s)
		}
		out[i] = list
	}
	return out, nil
}
