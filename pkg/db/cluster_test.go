package db

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

func TestReplicatedBuckets(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	servers := rpctest.StartCluster(t)
	awaitPlacementPeers(t, servers)
	ctx := testCtx(t)
	js, err := jetstream.New(rpctest.Connect(t, servers[0]))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Open(ctx, js, Config{Prefix: "cell1", Replicas: 3, Buckets: testBuckets})
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range testBuckets {
		s, err := js.Stream(ctx, "KV_"+d.BucketName(spec.Name))
		if err != nil {
			t.Fatal(err)
		}
		if cfg := s.CachedInfo().Config; cfg.Replicas != 3 || !cfg.AllowAtomicPublish {
			t.Fatalf("%s: replicas %d, atomic %v", spec.Name, cfg.Replicas, cfg.AllowAtomicPublish)
		}
	}
	tb := vmTable(t, d)
	mustCreate(t, tb, "vm", vm{UUID: "vm", Host: "h0"})

	// Contending writers on a replicated stream, where a lost race can also
	// be reported as error 10164, and index moves commit through raft as
	// one batch.
	const n = 10
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := tb.Mutate(ctx, "vm", func(v vm) (vm, error) {
				v.Counter++
				v.Host = fmt.Sprintf("h%d", v.Counter%3)
				return v, nil
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, _, err := tb.Get(ctx, "vm")
	if err != nil || got.Counter != n {
		t.Fatalf("counter = %d, %v; want %d", got.Counter, err, n)
	}
	// Check the index entries through the stream leader: List and ByIndex
	// scan with a consumer that may sit on a follower a moment behind.
	for h := 0; h < 3; h++ {
		e, found, err := tb.b.last(ctx, fmt.Sprintf("idx.host.h%d.vm", h))
		if err != nil {
			t.Fatal(err)
		}
		if live := found && !e.deleted; live != (h == n%3) {
			t.Fatalf("index entry for h%d live=%v; record is on h%d", h, live, n%3)
		}
	}
	// Another node's client reads the same data.
	js2, err := jetstream.New(rpctest.Connect(t, servers[2]))
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Open(ctx, js2, Config{Prefix: "cell1", Replicas: 3, Buckets: testBuckets})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vmTable(t, d2).Mutate(ctx, "vm", func(v vm) (vm, error) { v.Counter++; return v, nil }); err != nil {
		t.Fatal(err)
	}
	// Leader reads: the write through the other node is visible at once.
	if got, _, _ := tb.Get(ctx, "vm"); got.Counter != n+1 {
		t.Fatalf("counter via the other node = %d", got.Counter)
	}
}

// awaitPlacementPeers waits until the meta leader knows all three servers as
// JetStream peers with stats: StartCluster returns once there is a leader,
// and under load an R3 bucket created right then fails with "no suitable
// peers for placement".
func awaitPlacementPeers(t *testing.T, servers []*rpctest.Server) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range servers {
			if len(s.JetStreamClusterPeers()) == len(servers) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond) // polling the servers' own state: no event to await
	}
	t.Fatal("cluster peers not all known to the meta leader within 30s")
}
