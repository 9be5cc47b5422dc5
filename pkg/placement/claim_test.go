package placement

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

var node1 = Node{Host: "cmp1", Nodename: "cmp1.local"}

// Two placement clients on their own connections (two schedulers) race
// for a node with room for exactly n claims: exactly n win, every loser
// is told which resource ran out, and the node is never over-committed.
func TestConcurrentClaimsNeverOverCommit(t *testing.T) {
	s, _ := start(t)
	const n, perWorker, workers = 12, 30, 2
	clients := []*Placement{openOn(t, s), openOn(t, s)}
	// Memory is the binding resource: n × 512 MB; vCPUs and disk have
	// room for far more.
	mustSet(t, clients[0], node1, inv(1000, n*512, 1000))

	ctx := testCtx(t)
	var mu sync.Mutex
	won := map[string]bool{}
	var failures []error
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func(p *Placement) {
			defer wg.Done()
			<-startGun
			for i := range perWorker {
				consumer := fmt.Sprintf("inst-%d-%02d", w, i)
				err := p.Claim(ctx, node1, consumer, Resources{VCPU: 1, MemoryMB: 512, DiskGB: 1})
				mu.Lock()
				if err == nil {
					won[consumer] = true
				} else {
					failures = append(failures, err)
				}
				mu.Unlock()
			}
		}(clients[w])
	}
	close(startGun)
	wg.Wait()

	if len(won) != n {
		t.Errorf("%d claims succeeded, want exactly %d", len(won), n)
	}
	if len(failures) != workers*perWorker-n {
		t.Errorf("%d claims failed, want %d", len(failures), workers*perWorker-n)
	}
	for _, err := range failures {
		cf := asClaimFailed(t, err)
		if cf.Resource != ClassMemoryMB || cf.Reason != ReasonCapacity {
			t.Errorf("failure names %s/%s, want MEMORY_MB/capacity: %v", cf.Resource, cf.Reason, err)
		}
	}
	u := mustUsage(t, clients[1], node1)
	if got, capacity := u.Used().MemoryMB, u.Inventory.Capacity().MemoryMB; float64(got) > capacity || got != n*512 {
		t.Errorf("used MEMORY_MB %d, capacity %v, want exactly %d", got, capacity, n*512)
	}
	for c := range won {
		if _, ok := u.Allocations[c]; !ok {
			t.Errorf("claim of %s succeeded but the node has no allocation for it", c)
		}
	}
	if len(u.Allocations) != n {
		t.Errorf("node holds %d allocations, want %d", len(u.Allocations), n)
	}
}

// Placement's arithmetic: capacity = (total - reserved) × ratio, and no
// single claim above the total (max_unit).
func TestClaimCapacityArithmetic(t *testing.T) {
	_, p := start(t)
	i := Inventory{
		Total:    Resources{VCPU: 8, MemoryMB: 4096, DiskGB: 100},
		Reserved: Resources{VCPU: 2, MemoryMB: 512, DiskGB: 10},
		Ratios:   AllocationRatios{VCPU: 2.0, MemoryMB: 1.5, DiskGB: 1.0},
	}
	mustSet(t, p, node1, i)
	if c := i.Capacity(); c.VCPU != 12 || c.MemoryMB != 5376 || c.DiskGB != 90 {
		t.Fatalf("capacity %+v, want VCPU 12, MEMORY_MB 5376, DISK_GB 90", c)
	}
	ctx := testCtx(t)
	steps := []struct {
		consumer string
		req      Resources
		fails    string // resource class, "" for success
		reason   string
	}{
		{"a", Resources{VCPU: 5, MemoryMB: 2048, DiskGB: 40}, "", ""},
		{"b", Resources{VCPU: 5, MemoryMB: 2048, DiskGB: 40}, "", ""},
		{"c", Resources{VCPU: 3, MemoryMB: 1}, ClassVCPU, ReasonCapacity},        // 13 > 12
		{"d", Resources{VCPU: 2, MemoryMB: 1281}, ClassMemoryMB, ReasonCapacity}, // 5377 > 5376
		{"e", Resources{DiskGB: 11}, ClassDiskGB, ReasonCapacity},                // 91 > 90
		{"f", Resources{VCPU: 2, MemoryMB: 1280, DiskGB: 10}, "", ""},            // exactly full
	}
	for _, s := range steps {
		err := p.Claim(ctx, node1, s.consumer, s.req)
		if s.fails == "" {
			if err != nil {
				t.Fatalf("claim %s %v: %v", s.consumer, s.req, err)
			}
			continue
		}
		cf := asClaimFailed(t, err)
		if cf.Resource != s.fails || cf.Reason != s.reason || cf.Consumer != s.consumer || cf.Host != node1.Host {
			t.Errorf("claim %s: failed as %+v, want %s/%s", s.consumer, cf, s.fails, s.reason)
		}
	}

	// max_unit: with plenty of capacity, one claim still may not exceed
	// the physical total.
	big := Node{Host: "cmp2", Nodename: "cmp2.local"}
	mustSet(t, p, big, Inventory{Total: Resources{VCPU: 4, MemoryMB: 1024, DiskGB: 10}, Ratios: AllocationRatios{VCPU: 16, MemoryMB: 10, DiskGB: 10}})
	cf := asClaimFailed(t, p.Claim(ctx, big, "x", Resources{VCPU: 5, MemoryMB: 1}))
	if cf.Resource != ClassVCPU || cf.Reason != ReasonMaxUnit {
		t.Errorf("claim above total failed as %+v, want VCPU/max_unit", cf)
	}
	if u := mustUsage(t, p, big); len(u.Allocations) != 0 {
		t.Errorf("failed claim left allocations %v", u.Allocations)
	}
}

func TestClaimRejectsBadArguments(t *testing.T) {
	_, p := start(t)
	mustSet(t, p, node1, inv(4, 4096, 40))
	ctx := testCtx(t)
	for name, err := range map[string]error{
		"negative":       p.Claim(ctx, node1, "a", Resources{VCPU: -1, MemoryMB: 10}),
		"nothing":        p.Claim(ctx, node1, "a", Resources{}),
		"no consumer":    p.Claim(ctx, node1, "", Resources{VCPU: 1}),
		"no node name":   p.Claim(ctx, Node{Host: "cmp1"}, "a", Resources{VCPU: 1}),
		"unknown node":   p.Claim(ctx, Node{Host: "nope", Nodename: "nope"}, "a", Resources{VCPU: 1}),
		"move to itself": p.Move(ctx, node1, "a", "a"),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	var missing *ResourceProviderNotFound
	if err := p.Claim(ctx, Node{Host: "nope", Nodename: "nope"}, "a", Resources{VCPU: 1}); !errors.As(err, &missing) || missing.Host != "nope" {
		t.Errorf("claim on a node without inventory: %v, want *ResourceProviderNotFound", err)
	}
	if u := mustUsage(t, p, node1); len(u.Allocations) != 0 {
		t.Errorf("rejected claims left allocations %v", u.Allocations)
	}
}

// A claim by a consumer that already holds one on the node replaces it,
// checked without the old amounts; the same claim again writes nothing.
func TestClaimReplacesAndIsIdempotent(t *testing.T) {
	_, p := start(t)
	mustSet(t, p, node1, inv(4, 4096, 40))
	r := Resources{VCPU: 4, MemoryMB: 4096, DiskGB: 40} // the whole node
	mustClaim(t, p, node1, "a", r)
	gen := mustUsage(t, p, node1).Generation

	mustClaim(t, p, node1, "a", r)
	if u := mustUsage(t, p, node1); u.Generation != gen {
		t.Errorf("repeating a claim moved the generation %d -> %d", gen, u.Generation)
	}
	// Fits only because a's own 4 vCPUs are left out of the check.
	mustClaim(t, p, node1, "a", Resources{VCPU: 3, MemoryMB: 4096, DiskGB: 40})
	u := mustUsage(t, p, node1)
	if u.Used() != (Resources{VCPU: 3, MemoryMB: 4096, DiskGB: 40}) {
		t.Errorf("used after replacing %v, want the new claim alone", u.Used())
	}
	if u.Generation == gen {
		t.Error("replacing a claim did not move the generation")
	}
	asClaimFailed(t, p.Claim(testCtx(t), node1, "b", Resources{VCPU: 2}))
}
