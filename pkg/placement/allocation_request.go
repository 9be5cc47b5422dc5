package placement

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/novanats/novanats/pkg/objects"
)

// AllocationRequestVersion is the version of the AllocationRequest form
// that Selection.allocation_request_version carries. It is ours, not a
// placement microversion: there is no placement API here, only this
// package.
const AllocationRequestVersion = "novanats-1.0"

// AllocationRequest is what to claim to use a selected host: nova's
// allocation request ({"allocations": {rp: {"resources": {...}}}}), with
// nodes named by host and node name. The scheduler puts one, as JSON, in
// every Selection it returns, the chosen host's and the alternates', so
// the conductor can claim an alternate when the build or move on the
// chosen host fails, as nova's conductor does.
type AllocationRequest struct {
	Allocations []NodeAllocation `json:"allocations"`
}

// NodeAllocation is the part of an allocation request on one node.
type NodeAllocation struct {
	Node      Node      `json:"node"`
	Resources Resources `json:"resources"`
}

// Encode returns the JSON form stored in Selection.allocation_request.
func (r AllocationRequest) Encode() (string, error) {
	b, err := json.Marshal(r)
	return string(b), err
}

// ParseAllocationRequest reads the JSON form of an allocation request of
// the given version.
func ParseAllocationRequest(s, version string) (AllocationRequest, error) {
	if version != AllocationRequestVersion {
		return AllocationRequest{}, fmt.Errorf("placement: allocation request version %q is not %q", version, AllocationRequestVersion)
	}
	var r AllocationRequest
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return AllocationRequest{}, fmt.Errorf("placement: allocation request does not decode: %w", err)
	}
	if len(r.Allocations) == 0 {
		return AllocationRequest{}, errors.New("placement: allocation request allocates nothing")
	}
	for _, a := range r.Allocations {
		if err := a.Node.validate(); err != nil {
			return AllocationRequest{}, err
		}
		if err := a.Resources.validate("allocation request"); err != nil {
			return AllocationRequest{}, err
		}
	}
	return r, nil
}

// ClaimRequest claims every part of req for consumer. If one part does not
// fit, the parts already claimed by this call are released and the
// failure (a *ClaimFailed, say) is returned.
func (p *Placement) ClaimRequest(ctx context.Context, consumer string, req AllocationRequest) error {
	var done []Node
	for _, a := range req.Allocations {
		if err := p.Claim(ctx, a.Node, consumer, a.Resources); err != nil {
			var errs []error
			for _, n := range done {
				if rerr := p.Release(context.WithoutCancel(ctx), n, consumer); rerr != nil {
					errs = append(errs, rerr)
				}
			}
			if len(errs) > 0 {
				p.log.Error("claims of a failed allocation request not released", "consumer", consumer, "error", errors.Join(errs...))
			}
			return err
		}
		done = append(done, a.Node)
	}
	return nil
}

// ClaimSelection claims for consumer what sel's allocation request names:
// how the conductor takes an alternate host the scheduler returned but did
// not claim.
func (p *Placement) ClaimSelection(ctx context.Context, consumer string, sel *objects.Selection) error {
	if sel == nil {
		return errors.New("placement: no selection to claim")
	}
	s, ok := sel.AllocationRequest.Lookup()
	if !ok || s == "" {
		return fmt.Errorf("placement: selection of %s has no allocation request", sel.ServiceHost.Get())
	}
	version, _ := sel.AllocationRequestVersion.Lookup()
	req, err := ParseAllocationRequest(s, version)
	if err != nil {
		return err
	}
	return p.ClaimRequest(ctx, consumer, req)
}
