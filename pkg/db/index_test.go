package db

import (
	"errors"
	"slices"
	"testing"
)

func TestIndexFollowsMoves(t *testing.T) {
	d, _, _ := startDB(t)
	tb := vmTable(t, d)
	ctx := testCtx(t)
	// Dotted host names: each must stay one token of the index key.
	hostA, hostB := "a.example.com", "b.example.com"
	for i, h := range []string{hostA, hostA, hostA, hostB, ""} {
		id := string(rune('1' + i))
		mustCreate(t, tb, KeyOf("vm"+id), vm{UUID: "vm" + id, Host: h})
	}
	expect := func(host string, want ...Key) {
		t.Helper()
		es, err := tb.ByIndex(ctx, "host", host)
		if err != nil {
			t.Fatal(err)
		}
		if got := keysOf(es); !slices.Equal(got, want) {
			t.Fatalf("ByIndex(host=%s) = %v, want %v", host, got, want)
		}
		for _, e := range es {
			if e.Value.Host != host {
				t.Fatalf("ByIndex(host=%s) returned %s on %s", host, e.Key, e.Value.Host)
			}
		}
	}
	expect(hostA, "vm1", "vm2", "vm3")
	expect(hostB, "vm4")
	expect("a") // a prefix of hostA's name, must not match

	// Live-migrate vm2 A -> B, evacuate vm3 by Update, delete vm1, place vm5.
	if _, err := tb.Mutate(ctx, "vm2", func(v vm) (vm, error) { v.Host = hostB; return v, nil }); err != nil {
		t.Fatal(err)
	}
	v3, rev3, _ := tb.Get(ctx, "vm3")
	v3.Host = hostB
	if _, err := tb.Update(ctx, "vm3", v3, rev3); err != nil {
		t.Fatal(err)
	}
	if err := tb.Delete(ctx, "vm1", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Mutate(ctx, "vm5", func(v vm) (vm, error) { v.Host = hostA; return v, nil }); err != nil {
		t.Fatal(err)
	}
	expect(hostA, "vm5")
	expect(hostB, "vm2", "vm3", "vm4")

	// A conflicting move writes neither the record nor its index entries.
	if _, err := tb.Update(ctx, "vm4", vm{UUID: "vm4", Host: "c"}, rev3); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale Update: %v", err)
	}
	expect("c")
	kv, _ := d.KeyValue("vms")
	if got := rawKeys(t, kv, "idx.host.c.>"); len(got) != 0 {
		t.Fatalf("conflicting write left index entries %v", got)
	}
	if got := rawKeys(t, kv, "idx.>"); len(got) != 4 {
		t.Fatalf("index entries %v, want one per placed record", got)
	}
}

func TestStaleIndexEntriesIgnoredAndCleaned(t *testing.T) {
	d, _, _ := startDB(t)
	tb := vmTable(t, d)
	ctx := testCtx(t)
	mustCreate(t, tb, "vm1", vm{UUID: "vm1", Host: "h1"})
	mustCreate(t, tb, "vm2", vm{UUID: "vm2", Host: "h2"})

	// Entries no write of ours would leave: one pointing at a record on
	// another host, one at a record that does not exist, one malformed.
	kv, _ := d.KeyValue("vms")
	stale := []string{"idx.host.h1.vm2", "idx.host.h1.ghost", "idx.host.h1.bad_zz"}
	for _, k := range stale {
		if _, err := kv.Put(ctx, k, nil); err != nil {
			t.Fatal(err)
		}
	}
	es, err := tb.ByIndex(ctx, "host", "h1")
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(es); !slices.Equal(got, []Key{"vm1"}) {
		t.Fatalf("ByIndex(h1) = %v, want only vm1", got)
	}
	if got := rawKeys(t, kv, "idx.host.h1.>"); !slices.Equal(got, []string{"idx.host.h1.vm1"}) {
		t.Fatalf("stale entries not cleaned: %v", got)
	}
}

func TestMultiValuedIndexes(t *testing.T) {
	d, _, _ := startDB(t)
	tb := migrationTable(t, d)
	ctx := testCtx(t)
	mustCreate(t, tb, "m1", migration{ID: "m1", Instance: "i1", Source: "h1", Dest: "h2", Status: "migrating"})
	mustCreate(t, tb, "m2", migration{ID: "m2", Instance: "i2", Source: "h2", Dest: "h3", Status: "queued"})
	mustCreate(t, tb, "m0", migration{ID: "m0", Instance: "i1", Source: "h3", Dest: "h1", Status: "completed"})

	count := func(index, value string) []Key {
		es, err := tb.ByIndex(ctx, index, value)
		if err != nil {
			t.Fatal(err)
		}
		return keysOf(es)
	}
	if got := count("host", "h2"); !slices.Equal(got, []Key{"m1", "m2"}) {
		t.Fatalf("in progress on h2 = %v", got)
	}
	if got := count("instance", "i1"); !slices.Equal(got, []Key{"m1"}) {
		t.Fatalf("in progress for i1 = %v (m0 is completed)", got)
	}
	// Completing m1 takes it out of every index at once.
	if _, err := tb.Mutate(ctx, "m1", func(m migration) (migration, error) { m.Status = "completed"; return m, nil }); err != nil {
		t.Fatal(err)
	}
	if got := count("host", "h1"); len(got) != 0 {
		t.Fatalf("completed migration still in progress on h1: %v", got)
	}
	if got := count("instance", "i1"); len(got) != 0 {
		t.Fatalf("completed migration still in progress for i1: %v", got)
	}
	if got := count("host", "h2"); !slices.Equal(got, []Key{"m2"}) {
		t.Fatalf("in progress on h2 = %v", got)
	}
	if _, err := tb.ByIndex(ctx, "nope", "x"); err == nil {
		t.Fatal("ByIndex on an undeclared index succeeded")
	}
}

func TestReindexAddsEntriesForANewIndex(t *testing.T) {
	d, _, _ := startDB(t)
	ctx := testCtx(t)
	plain, err := NewTable(d, TableConfig[vm]{Bucket: "vms", Codec: MsgpackCodec[vm]()})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, plain, "vm1", vm{UUID: "vm1", Host: "h1"})
	mustCreate(t, plain, "vm2", vm{UUID: "vm2", Host: "h1"})
	mustCreate(t, plain, "vm3", vm{UUID: "vm3"})

	indexed := vmTable(t, d) // the same bucket, now with a host index
	kv, _ := d.KeyValue("vms")
	if _, err := kv.Put(ctx, "idx.host.h9.vm1", nil); err != nil { // and one stale entry
		t.Fatal(err)
	}
	if es, _ := indexed.ByIndex(ctx, "host", "h1"); len(es) != 0 {
		t.Fatalf("entries before Reindex: %v", keysOf(es))
	}
	added, dropped, err := indexed.Reindex(ctx)
	if err != nil || added != 2 || dropped != 1 {
		t.Fatalf("Reindex = added %d, dropped %d, %v; want 2, 1", added, dropped, err)
	}
	es, err := indexed.ByIndex(ctx, "host", "h1")
	if err != nil || !slices.Equal(keysOf(es), []Key{"vm1", "vm2"}) {
		t.Fatalf("ByIndex after Reindex = %v, %v", keysOf(es), err)
	}
	if got := rawKeys(t, kv, "idx.>"); len(got) != 2 {
		t.Fatalf("index entries after Reindex: %v", got)
	}
	// Idempotent.
	if added, dropped, err := indexed.Reindex(ctx); err != nil || added != 0 || dropped != 0 {
		t.Fatalf("second Reindex = %d, %d, %v", added, dropped, err)
	}
}
