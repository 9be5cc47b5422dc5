package placement

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// openOn opens placement on its own connection to s, as a separate
// process (a scheduler) would.
func openOn(t *testing.T, s *rpctest.Server) *Placement {
	t.Helper()
	js, err := jetstream.New(rpctest.Connect(t, s))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Open(testCtx(t), js, Config{Prefix: "cell1"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func start(t *testing.T) (*rpctest.Server, *Placement) {
	t.Helper()
	s := rpctest.StartServer(t)
	return s, openOn(t, s)
}

// inv is an inventory with no reserve and ratio 1 unless changed.
func inv(vcpu, memMB, diskGB int) Inventory {
	return Inventory{
		Total:  Resources{VCPU: vcpu, MemoryMB: memMB, DiskGB: diskGB},
		Ratios: AllocationRatios{VCPU: 1, MemoryMB: 1, DiskGB: 1},
	}
}

func mustSet(t *testing.T, p *Placement, n Node, i Inventory) {
	t.Helper()
	if err := p.SetInventory(testCtx(t), n, i); err != nil {
		t.Fatalf("SetInventory %s: %v", n, err)
	}
}

func mustClaim(t *testing.T, p *Placement, n Node, consumer string, r Resources) {
	t.Helper()
	if err := p.Claim(testCtx(t), n, consumer, r); err != nil {
		t.Fatalf("Claim %s on %s: %v", consumer, n, err)
	}
}

func mustUsage(t *testing.T, p *Placement, n Node) Provider {
	t.Helper()
	u, err := p.Usage(testCtx(t), n)
	if err != nil {
		t.Fatalf("Usage %s: %v", n, err)
	}
	return u
}

func asClaimFailed(t *testing.T, err error) *ClaimFailed {
	t.Helper()
	var cf *ClaimFailed
	if !errors.As(err, &cf) {
		t.Fatalf("error %v (%T) is not a *ClaimFailed", err, err)
	}
	return cf
}
