package db

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCorruptValueIsAnErrorNamingBucketAndKey(t *testing.T) {
	d, _, _ := startDB(t)
	tb := vmTable(t, d)
	ctx := testCtx(t)
	mustCreate(t, tb, "good", vm{UUID: "good", Host: "h1"})
	mustCreate(t, tb, "bad", vm{UUID: "bad", Host: "h1"})
	kv, _ := d.KeyValue("vms")
	if _, err := kv.Put(ctx, "rec.bad", []byte{0xc1, 0xff, 0x00}); err != nil { // 0xc1 is never valid msgpack
		t.Fatal(err)
	}

	_, _, err := tb.Get(ctx, "bad")
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get of corrupt bytes: %v", err)
	}
	if !strings.Contains(err.Error(), "cell1_vms") || !strings.Contains(err.Error(), "bad") || ce.Key != "bad" || ce.Revision == 0 {
		t.Fatalf("error does not name bucket and key: %v", err)
	}

	// List keeps the good records and reports the bad one.
	all, err := tb.List(ctx)
	if !errors.Is(err, ErrCorrupt) || len(all) != 1 || all[0].Key != "good" {
		t.Fatalf("List = %v, %v", keysOf(all), err)
	}
	// The index query too; the entry of the corrupt record is kept (its
	// staleness cannot be judged).
	es, err := tb.ByIndex(ctx, "host", "h1")
	if !errors.Is(err, ErrCorrupt) || len(es) != 1 || es[0].Key != "good" {
		t.Fatalf("ByIndex = %v, %v", keysOf(es), err)
	}
	if _, err := tb.Mutate(ctx, "bad", func(v vm) (vm, error) { return v, nil }); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Mutate of a corrupt record: %v", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := tb.Watch(wctx, "bad")
	if err != nil {
		t.Fatal(err)
	}
	if u := next(t, ch); !errors.Is(u.Err, ErrCorrupt) {
		t.Fatalf("watch update of corrupt bytes = %+v", u)
	}
	// A corrupt record can be deleted, and its orphaned index entry goes
	// at the next query.
	if err := tb.Delete(ctx, "bad", 0); err != nil {
		t.Fatalf("Delete of a corrupt record: %v", err)
	}
	if es, err := tb.ByIndex(ctx, "host", "h1"); err != nil || len(es) != 1 {
		t.Fatalf("ByIndex after deleting the corrupt record = %v, %v", keysOf(es), err)
	}
	if got := rawKeys(t, kv, "idx.>"); len(got) != 1 {
		t.Fatalf("index entries %v, want only the good record's", got)
	}
}

func TestPanickingDecoderBecomesCorruptError(t *testing.T) {
	d, _, _ := startDB(t)
	tb, err := NewTable(d, TableConfig[vm]{Bucket: "vms", Codec: Codec[vm]{
		Encode: func(v vm) ([]byte, error) { return []byte(v.UUID), nil },
		Decode: func(b []byte) (vm, error) {
			if len(b) == 0 {
				panic("empty")
			}
			return vm{UUID: string(b)}, nil
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	mustCreate(t, tb, "x", vm{UUID: ""})
	if _, _, err := tb.Get(ctx, "x"); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("Get = %v", err)
	}
}

func TestUpdateRepairsACorruptRecord(t *testing.T) {
	d, _, _ := startDB(t)
	tb := vmTable(t, d)
	ctx := testCtx(t)
	mustCreate(t, tb, "x", vm{UUID: "x", Host: "h1"})
	kv, _ := d.KeyValue("vms")
	rev, err := kv.Put(ctx, "rec.x", []byte("not msgpack \xc1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Update(ctx, "x", vm{UUID: "x", Host: "h2"}, rev-1); !errors.Is(err, ErrConflict) {
		t.Fatalf("Update of a corrupt record with a wrong revision: %v", err)
	}
	if _, err := tb.Update(ctx, "x", vm{UUID: "x", Host: "h2"}, rev); err != nil {
		t.Fatalf("Update of a corrupt record: %v", err)
	}
	if v, _, err := tb.Get(ctx, "x"); err != nil || v.Host != "h2" {
		t.Fatalf("after repair: %+v, %v", v, err)
	}
	// The old entry (h1) became stale and is dropped at the first query.
	if es, err := tb.ByIndex(ctx, "host", "h1"); err != nil || len(es) != 0 {
		t.Fatalf("ByIndex(h1) = %v, %v", keysOf(es), err)
	}
	if es, err := tb.ByIndex(ctx, "host", "h2"); err != nil || len(es) != 1 {
		t.Fatalf("ByIndex(h2) = %v, %v", keysOf(es), err)
	}
}
