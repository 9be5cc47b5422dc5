package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/services/scheduler/filters"
	"github.com/novanats/novanats/services/scheduler/hoststate"
	"github.com/novanats/novanats/services/scheduler/weights"
)

// releaseTimeout bounds the clean-up of a request's claims, which runs
// even when the request's own context has ended.
const releaseTimeout = 30 * time.Second

// schedule is nova's FilterScheduler._schedule: for each instance, filter
// and weigh the hosts, then claim on the best one, moving down the list
// when a claim fails; then add the alternates.
func (m *Manager) schedule(ctx context.Context, log *slog.Logger, req *request) (Selections, error) {
	hosts, skipped, err := m.hosts.HostStates(ctx, log)
	if err != nil {
		return nil, err
	}
	for _, s := range skipped {
		log.Debug("compute node not considered", "node", s.Node.String(), "uuid", s.UUID, "reason", s.Reason)
	}

	var claimed []*hoststate.HostState
	var report filters.FilterReport
	var claimFailures []error
	last := 0
	for i, instance := range req.instanceUUIDs {
		last = i
		claimFailures = nil
		var passed []*hoststate.HostState
		passed, report = filters.RunForIndex(m.filters, hosts, req.spec, i)
		report.InstanceUUID = instance
		if len(passed) == 0 {
			break
		}
		// As nova, the next instance starts from the hosts that passed
		// for this one, best first.
		hosts = m.sort(passed, req)
		chosen, failures, err := m.claimBest(ctx, log, hosts, instance, req.resources)
		if err != nil {
			m.release(ctx, log, claimed, req.instanceUUIDs)
			return nil, err
		}
		claimFailures = failures
		// A host that refused this claim refuses the same amounts for
		// the next instance of the request too.
		hosts = without(hosts, failures)
		if chosen == nil {
			break
		}
		// Seen from this request, the chosen host is fuller now, for
		// the filters and weighers of the next instance.
		chosen.ConsumeFromRequest(req.spec)
		claimed = append(claimed, chosen)
	}

	if len(claimed) < len(req.instanceUUIDs) {
		m.release(ctx, log, claimed, req.instanceUUIDs)
		nvh := noValidHost(len(claimed), len(req.instanceUUIDs), report, claimFailures, skipped)
		log.Info("no valid host", "placed", len(claimed), "wanted", len(req.instanceUUIDs), "filter_results", report.String(),
			"claim_failures", len(claimFailures), "skipped_nodes", len(skipped))
		if d := report.Detail(); d != "" {
			log.Debug("hosts rejected by filters", "detail", d)
		}
		return nil, nvh
	}
	// The caller gave up (timeout, cancelled) while we claimed: nobody
	// will use these claims, so they go now instead of lingering until
	// the caller's clean-up finds them.
	if err := ctx.Err(); err != nil {
		m.release(ctx, log, claimed, req.instanceUUIDs)
		return nil, err
	}

	sels, err := m.selections(req, claimed, hosts, last)
	if err != nil {
		m.release(ctx, log, claimed, req.instanceUUIDs)
		return nil, err
	}
	chosen := make([]string, len(claimed))
	for i, h := range claimed {
		chosen[i] = nodeOf(h).String()
	}
	log.Info("selected hosts", "hosts", chosen, "alternates", len(sels[0])-1)
	return sels, nil
}

// sort weighs hosts and orders them for trying (nova's _get_sorted_hosts).
func (m *Manager) sort(hosts []*hoststate.HostState, req *request) []*hoststate.HostState {
	return weights.Hosts(weights.Pick(weights.Weigh(m.weighers, hosts, req.spec), m.pick))
}

// claimBest claims res for instance on the first host of hosts that takes
// it. A host that refuses (no room any more: another scheduler got there
// first; or no inventory) is noted in failures and the next one is tried.
// Any other error ends the request: the claim's outcome is unknown, so it
// is released on that host before the error is returned.
func (m *Manager) claimBest(ctx context.Context, log *slog.Logger, hosts []*hoststate.HostState, instance string, res placement.Resources) (*hoststate.HostState, []error, error) {
	var failures []error
	for _, h := range hosts {
		node := nodeOf(h)
		err := m.placement.Claim(ctx, node, instance, res)
		if err == nil {
			log.Debug("claimed resources", "node", node.String(), "instance_uuid", instance, "resources", res.String())
			return h, failures, nil
		}
		var full *placement.ClaimFailed
		var missing *placement.ResourceProviderNotFound
		if errors.As(err, &full) || errors.As(err, &missing) {
			log.Debug("claim refused, trying the next host", "node", node.String(), "instance_uuid", instance, "error", err)
			failures = append(failures, err)
			continue
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		var none *placement.AllocationNotFound
		if rerr := m.placement.Release(rctx, node, instance); rerr != nil && !errors.As(rerr, &none) {
			log.Error("claim of unknown outcome not released", "node", node.String(), "instance_uuid", instance, "error", rerr)
		}
		cancel()
		return nil, failures, err
	}
	return nil, failures, nil
}

// release drops the claims made for a request that is not going ahead
// (nova's _cleanup_allocations). It runs past the request's context, so
// a cancelled request does not leave its claims behind.
func (m *Manager) release(ctx context.Context, log *slog.Logger, claimed []*hoststate.HostState, instances []string) {
	if len(claimed) == 0 {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	for i, h := range claimed {
		if err := m.placement.Release(rctx, nodeOf(h), instances[i]); err != nil {
			log.Error("claim not released", "node", nodeOf(h).String(), "instance_uuid", instances[i], "error", err)
		}
	}
}

// without drops the hosts named by failed claims.
func without(hosts []*hoststate.HostState, failures []error) []*hoststate.HostState {
	if len(failures) == 0 {
		return hosts
	}
	drop := map[placement.Node]bool{}
	for _, err := range failures {
		var full *placement.ClaimFailed
		var missing *placement.ResourceProviderNotFound
		switch {
		case errors.As(err, &full):
			drop[placement.Node{Host: full.Host, Nodename: full.Nodename}] = true
		case errors.As(err, &missing):
			drop[placement.Node{Host: missing.Host, Nodename: missing.Nodename}] = true
		}
	}
	out := make([]*hoststate.HostState, 0, len(hosts))
	for _, h := range hosts {
		if !drop[nodeOf(h)] {
			out = append(out, h)
		}
	}
	return out
}
