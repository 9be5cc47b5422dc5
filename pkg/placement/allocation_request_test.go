package placement

import (
	"context"
	"errors"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

func TestClaimSelection(t *testing.T) {
	_, p := start(t)
	mustSet(t, p, node1, inv(2, 2048, 20))
	req := AllocationRequest{Allocations: []NodeAllocation{{Node: node1, Resources: Resources{VCPU: 2, MemoryMB: 1024, DiskGB: 10}}}}
	s, err := req.Encode()
	if err != nil {
		t.Fatal(err)
	}
	sel := new(objects.Selection)
	sel.ServiceHost.Set(node1.Host)
	sel.Nodename.Set(node1.Nodename)
	sel.AllocationRequest.Set(s)
	sel.AllocationRequestVersion.Set(AllocationRequestVersion)

	if err := p.ClaimSelection(testCtx(t), instance, sel); err != nil {
		t.Fatal(err)
	}
	if u := mustUsage(t, p, node1); u.Allocations[instance] != req.Allocations[0].Resources {
		t.Errorf("allocations after ClaimSelection: %v", u.Allocations)
	}
	// The node's vCPUs are gone now: the same selection for another
	// consumer does not fit.
	asClaimFailed(t, p.ClaimSelection(testCtx(t), other, sel))

	sel.AllocationRequestVersion.Set("1.36")
	if err := p.ClaimSelection(testCtx(t), other, sel); err == nil {
		t.Error("a selection with an unknown allocation request version was claimed")
	}
	for _, bad := range []string{"", "{", `{"allocations":[]}`, `{"allocations":[{"node":{"host":"h"},"resources":{"VCPU":1}}]}`} {
		if _, err := ParseAllocationRequest(bad, AllocationRequestVersion); err == nil {
			t.Errorf("ParseAllocationRequest(%q) accepted it", bad)
		}
	}
}

// ClaimRequest is all or nothing across nodes.
func TestClaimRequestReleasesPartialClaims(t *testing.T) {
	_, p := start(t)
	mustSet(t, p, src, inv(8, 8192, 100))
	mustSet(t, p, dst, inv(1, 1024, 10))
	req := AllocationRequest{Allocations: []NodeAllocation{
		{Node: src, Resources: Resources{VCPU: 1, MemoryMB: 512}},
		{Node: dst, Resources: Resources{VCPU: 2, MemoryMB: 512}}, // does not fit
	}}
	asClaimFailed(t, p.ClaimRequest(testCtx(t), instance, req))
	if u := mustUsage(t, p, src); len(u.Allocations) != 0 {
		t.Errorf("the part claimed on %s was kept: %v", src, u.Allocations)
	}
}

// A claim failure returned by an RPC handler is a *ClaimFailed on the
// caller, with its fields.
func TestClaimFailedCrossesRPC(t *testing.T) {
	s := rpctest.StartServer(t)
	m := rpc.DefineCall[struct{}, struct{}]("placementtest", "", "claim", "1.0")
	srv, err := rpc.NewServer(rpctest.ConnectInProcess(t, s), rpc.Target{Topic: "placementtest", Server: "a"})
	if err != nil {
		t.Fatal(err)
	}
	rpc.HandleCall(srv.Endpoint("", "1.0"), m, func(context.Context, struct{}) (struct{}, error) {
		return struct{}{}, &ClaimFailed{Host: "cmp1", Nodename: "n", Consumer: "c", Resource: ClassVCPU, Requested: 3, Reason: ReasonCapacity}
	})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	c, err := rpc.NewClient(rpctest.ConnectInProcess(t, s), rpc.Target{Topic: "placementtest", Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Invoke(testCtx(t), c, struct{}{})
	var cf *ClaimFailed
	if !errors.As(err, &cf) || cf.Resource != ClassVCPU || cf.Requested != 3 || cf.Host != "cmp1" {
		t.Fatalf("caller got %v (%T), want the *ClaimFailed with its fields", err, err)
	}
}
