package db

import (
	"fmt"
	"slices"
	"testing"

	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

func TestRecordsSurviveServerRestart(t *testing.T) {
	s := rpctest.StartServer(t)
	d := openTestDB(t, connectJS(t, s))
	tb := vmTable(t, d)
	ctx := testCtx(t)
	const n = 20
	revs := map[Key]uint64{}
	for i := 0; i < n; i++ {
		k := KeyOf(fmt.Sprintf("vm-%02d", i))
		revs[k] = mustCreate(t, tb, k, vm{UUID: string(k), Host: fmt.Sprintf("h%d", i%2), Counter: i})
	}
	// One moved and one deleted record, so the restart also has to keep
	// delete markers and index removals.
	if _, err := tb.Mutate(ctx, "vm-00", func(v vm) (vm, error) { v.Host = "h1"; return v, nil }); err != nil {
		t.Fatal(err)
	}
	if err := tb.Delete(ctx, "vm-19", 0); err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	s.WaitForShutdown()

	s2 := rpctest.StartServer(t, rpctest.WithStoreDir(s.StoreDir))
	d2 := openTestDB(t, connectJS(t, s2))
	tb2 := vmTable(t, d2)
	all, err := tb2.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n-1 {
		t.Fatalf("%d records after restart, want %d", len(all), n-1)
	}
	for _, e := range all {
		var i int
		fmt.Sscanf(string(e.Key), "vm-%d", &i)
		if e.Value.Counter != i || e.Value.UUID != string(e.Key) {
			t.Fatalf("record %s = %+v", e.Key, e.Value)
		}
		if i != 0 && e.Revision != revs[e.Key] {
			t.Fatalf("record %s revision %d, written at %d", e.Key, e.Revision, revs[e.Key])
		}
	}
	h0, err := tb2.ByIndex(ctx, "host", "h0")
	if err != nil {
		t.Fatal(err)
	}
	want := []Key{}
	for i := 2; i < n; i += 2 {
		want = append(want, KeyOf(fmt.Sprintf("vm-%02d", i)))
	}
	if got := keysOf(h0); !slices.Equal(got, want) {
		t.Fatalf("ByIndex(h0) after restart = %v, want %v", got, want)
	}
	h1, _ := tb2.ByIndex(ctx, "host", "h1")
	if len(h1) != 10 || h1[0].Key != "vm-00" { // odd ones minus vm-19, plus vm-00
		t.Fatalf("ByIndex(h1) after restart = %v", keysOf(h1))
	}
	// Writes go on where they left off.
	if _, err := tb2.Mutate(ctx, "vm-01", func(v vm) (vm, error) { v.Host = "h0"; return v, nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := tb2.Create(ctx, "vm-19", vm{UUID: "vm-19"}); err != nil {
		t.Fatalf("re-create after restart: %v", err)
	}
}
