package placement

import (
	"errors"
	"testing"
)

var (
	src = Node{Host: "src", Nodename: "src.local"}
	dst = Node{Host: "dst", Nodename: "dst.local"}
)

const (
	instance  = "4f2a1c3e-0000-4000-8000-000000000001"
	migration = "4f2a1c3e-0000-4000-8000-0000000000aa"
	other     = "4f2a1c3e-0000-4000-8000-000000000002"
)

// The live migration bookkeeping nova does with placement, both ways it
// can end; usage on each node is checked after every step.
func TestLiveMigrationAllocations(t *testing.T) {
	_, p := start(t)
	ctx := testCtx(t)
	flavor := Resources{VCPU: 2, MemoryMB: 2048, DiskGB: 20}
	for _, n := range []Node{src, dst} {
		mustSet(t, p, n, inv(8, 8192, 100))
	}
	mustClaim(t, p, src, instance, flavor)
	mustClaim(t, p, src, other, flavor)

	expect := func(step string, n Node, want map[string]Resources) {
		t.Helper()
		u := mustUsage(t, p, n)
		var sum Resources
		for c, r := range want {
			sum = sum.Add(r)
			if u.Allocations[c] != r {
				t.Errorf("%s: %s holds %v on %s, want %v", step, c, u.Allocations[c], n, r)
			}
		}
		if len(u.Allocations) != len(want) || u.Used() != sum {
			t.Errorf("%s: %s has allocations %v (used %v), want %v", step, n, u.Allocations, u.Used(), want)
		}
	}

	// Conductor, before scheduling: the source allocation goes to the
	// migration, so the instance consumer is free to claim elsewhere.
	if err := p.Move(ctx, src, instance, migration); err != nil {
		t.Fatal(err)
	}
	expect("moved to migration", src, map[string]Resources{migration: flavor, other: flavor})
	// A retried move (the first reply was lost) is a no-op.
	if err := p.Move(ctx, src, instance, migration); err != nil {
		t.Errorf("repeated move: %v", err)
	}
	// Scheduler: the instance claims on the destination.
	mustClaim(t, p, dst, instance, flavor)
	expect("claimed on destination", dst, map[string]Resources{instance: flavor})

	// The migration fails: the destination claim goes, and the source
	// allocation returns to the instance.
	if err := p.Release(ctx, dst, instance); err != nil {
		t.Fatal(err)
	}
	if err := p.Move(ctx, src, migration, instance); err != nil {
		t.Fatal(err)
	}
	expect("rolled back, source", src, map[string]Resources{instance: flavor, other: flavor})
	expect("rolled back, destination", dst, map[string]Resources{})

	// Again, and this time it succeeds: the migration's hold on the
	// source is released.
	if err := p.Move(ctx, src, instance, migration); err != nil {
		t.Fatal(err)
	}
	mustClaim(t, p, dst, instance, flavor)
	if err := p.Release(ctx, src, migration); err != nil {
		t.Fatal(err)
	}
	expect("succeeded, source", src, map[string]Resources{other: flavor})
	expect("succeeded, destination", dst, map[string]Resources{instance: flavor})

	held, err := p.Allocations(ctx, instance)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 1 || held[dst] != flavor {
		t.Errorf("instance holds %v, want only %v on %s", held, flavor, dst)
	}
}

func TestMoveAndReleaseErrors(t *testing.T) {
	_, p := start(t)
	ctx := testCtx(t)
	mustSet(t, p, src, inv(8, 8192, 100))
	r := Resources{VCPU: 1, MemoryMB: 512, DiskGB: 1}
	mustClaim(t, p, src, instance, r)
	mustClaim(t, p, src, other, r)

	var nf *AllocationNotFound
	if err := p.Move(ctx, src, migration, "someone"); !errors.As(err, &nf) || nf.Consumer != migration {
		t.Errorf("move from a consumer holding nothing: %v, want *AllocationNotFound for it", err)
	}
	var cc *ConsumerConflict
	if err := p.Move(ctx, src, instance, other); !errors.As(err, &cc) || cc.To != other {
		t.Errorf("move onto a consumer that holds one: %v, want *ConsumerConflict", err)
	}
	if err := p.Release(ctx, src, migration); !errors.As(err, &nf) {
		t.Errorf("release of nothing: %v, want *AllocationNotFound", err)
	}
	var missing *ResourceProviderNotFound
	if err := p.Release(ctx, dst, instance); !errors.As(err, &missing) {
		t.Errorf("release on a node without a record: %v, want *ResourceProviderNotFound", err)
	}
	if u := mustUsage(t, p, src); u.Used() != r.Add(r) || len(u.Allocations) != 2 {
		t.Errorf("failed moves and releases changed the node: %v", u.Allocations)
	}
}

// ReleaseConsumer finds a consumer's allocations on every node and
// drops them all, and is harmless when run again.
func TestReleaseConsumer(t *testing.T) {
	_, p := start(t)
	ctx := testCtx(t)
	r := Resources{VCPU: 1, MemoryMB: 512, DiskGB: 1}
	for _, n := range []Node{src, dst} {
		mustSet(t, p, n, inv(8, 8192, 100))
		mustClaim(t, p, n, instance, r)
		mustClaim(t, p, n, other, r)
	}
	released, err := p.ReleaseConsumer(ctx, instance)
	if err != nil {
		t.Fatal(err)
	}
	if len(released) != 2 || released[0] != dst || released[1] != src {
		t.Errorf("released from %v, want [%s %s]", released, dst, src)
	}
	for _, n := range []Node{src, dst} {
		u := mustUsage(t, p, n)
		if _, ok := u.Allocations[instance]; ok || u.Used() != r {
			t.Errorf("%s after release: %v", n, u.Allocations)
		}
	}
	again, err := p.ReleaseConsumer(ctx, instance)
	if err != nil || len(again) != 0 {
		t.Errorf("second release: %v, %v; want nothing and no error", again, err)
	}
}
