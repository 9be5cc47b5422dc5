package db

import (
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

func TestOpenCreatesBucketsWithSettings(t *testing.T) {
	d, js, _ := startDB(t)
	ctx := testCtx(t)
	for _, spec := range testBuckets {
		name := d.BucketName(spec.Name)
		if name != "cell1_"+spec.Name {
			t.Fatalf("BucketName(%s) = %s", spec.Name, name)
		}
		s, err := js.Stream(ctx, "KV_"+name)
		if err != nil {
			t.Fatal(err)
		}
		cfg := s.CachedInfo().Config
		wantHistory := int64(spec.History)
		if wantHistory == 0 {
			wantHistory = DefaultHistory
		}
		if cfg.Storage != jetstream.FileStorage || cfg.MaxMsgsPerSubject != wantHistory || cfg.Replicas != 1 || !cfg.AllowAtomicPublish || cfg.Description != spec.Description {
			t.Fatalf("bucket %s config: storage=%v history=%d replicas=%d atomic=%v desc=%q",
				name, cfg.Storage, cfg.MaxMsgsPerSubject, cfg.Replicas, cfg.AllowAtomicPublish, cfg.Description)
		}
	}
	// A second Open (another service starting) binds the same buckets.
	if _, err := Open(ctx, js, Config{Prefix: "cell1", Buckets: testBuckets}); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if _, err := Open(ctx, js, Config{Prefix: "cell_1", Buckets: testBuckets}); err == nil {
		t.Fatal("a prefix with '_' was accepted")
	}
	if _, err := NewTable(d, TableConfig[vm]{Bucket: "nope", Codec: MsgpackCodec[vm]()}); err == nil {
		t.Fatal("table on an undeclared bucket was accepted")
	}
}

func TestCRUD(t *testing.T) {
	d, _, _ := startDB(t)
	tb := vmTable(t, d)
	ctx := testCtx(t)
	k := KeyOf("vm-1")

	if _, _, err := tb.Get(ctx, k); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing key: %v", err)
	}
	rev1 := mustCreate(t, tb, k, vm{UUID: "vm-1", Host: "h1"})
	if _, err := tb.Create(ctx, k, vm{UUID: "vm-1"}); !errors.Is(err, ErrExists) {
		t.Fatalf("second Create: %v, want ErrExists", err)
	}
	got, rev, err := tb.Get(ctx, k)
	if err != nil || rev != rev1 || got.Host != "h1" {
		t.Fatalf("Get = %+v, %d, %v (created at %d)", got, rev, err, rev1)
	}

	rev2, err := tb.Update(ctx, k, vm{UUID: "vm-1", Host: "h1", TaskState: "spawning"}, rev1)
	if err != nil || rev2 <= rev1 {
		t.Fatalf("Update = %d, %v", rev2, err)
	}
	_, err = tb.Update(ctx, k, vm{UUID: "vm-1", Host: "stale"}, rev1)
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, ErrConflict) || !ce.Retryable() || ce.Key != k {
		t.Fatalf("Update with a stale revision: %v, want *ConflictError", err)
	}
	if got, _, _ := tb.Get(ctx, k); got.Host != "h1" || got.TaskState != "spawning" {
		t.Fatalf("a failed Update changed the record: %+v", got)
	}

	if err := tb.Delete(ctx, k, rev1); !errors.Is(err, ErrConflict) {
		t.Fatalf("Delete with a stale revision: %v", err)
	}
	if err := tb.Delete(ctx, k, rev2); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tb.Get(ctx, k); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if err := tb.Delete(ctx, k, 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete of a deleted key: %v", err)
	}
	if _, err := tb.Update(ctx, k, vm{}, rev2); !errors.Is(err, ErrConflict) {
		t.Fatalf("Update of a deleted key: %v", err)
	}
	if es, _ := tb.ByIndex(ctx, "host", "h1"); len(es) != 0 {
		t.Fatalf("deleted record still indexed: %v", keysOf(es))
	}
	// A deleted key can be created again.
	if _, err := tb.Create(ctx, k, vm{UUID: "vm-1", Host: "h2"}); err != nil {
		t.Fatalf("Create after Delete: %v", err)
	}
	if es, err := tb.ByIndex(ctx, "host", "h2"); err != nil || len(es) != 1 {
		t.Fatalf("ByIndex after re-create = %v, %v", keysOf(es), err)
	}
}

func TestTableWithoutIndexes(t *testing.T) {
	d, _, _ := startDB(t)
	tb, err := NewTable(d, TableConfig[vm]{Bucket: "vms", Codec: JSONCodec[vm]()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	k := KeyOf("a")
	rev := mustCreate(t, tb, k, vm{UUID: "a"})
	if _, err := tb.Update(ctx, k, vm{UUID: "a", Counter: 1}, rev+100); !errors.Is(err, ErrConflict) {
		t.Fatalf("Update with a wrong revision: %v", err)
	}
	if err := tb.Delete(ctx, k, rev+100); !errors.Is(err, ErrConflict) {
		t.Fatalf("Delete with a wrong revision: %v", err)
	}
	if err := tb.Delete(ctx, k, 0); err != nil {
		t.Fatal(err)
	}
	if err := tb.Delete(ctx, k, rev); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete of a deleted key: %v", err)
	}
	if _, err := tb.Create(ctx, k, vm{UUID: "a"}); err != nil {
		t.Fatalf("Create after Delete: %v", err)
	}
}

func TestInvalidKeysNeverReachNATS(t *testing.T) {
	d, _, _ := startDB(t)
	tb := vmTable(t, d)
	ctx := testCtx(t)
	for _, k := range []Key{"", "a b", "*", "a.>", "a..b"} {
		if _, _, err := tb.Get(ctx, k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Get(%q): %v", k, err)
		}
		if _, err := tb.Create(ctx, k, vm{}); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Create(%q): %v", k, err)
		}
	}
	if _, err := tb.ListPrefix(ctx, "a*"); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("ListPrefix(a*): %v", err)
	}
	if _, err := tb.Watch(ctx, ">"); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("Watch(>): %v", err)
	}
}

func TestListAndListPrefix(t *testing.T) {
	d, _, _ := startDB(t)
	tb := vmTable(t, d)
	ctx := testCtx(t)
	if es, err := tb.List(ctx); err != nil || len(es) != 0 {
		t.Fatalf("List of an empty table = %v, %v", es, err)
	}
	// Hierarchical keys: (host, name) with a dotted host.
	for _, p := range [][2]string{{"a.b", "x"}, {"a.b", "y"}, {"a", "z"}, {"c", "w"}} {
		mustCreate(t, tb, KeyOf(p[0], p[1]), vm{UUID: p[1], Host: p[0]})
	}
	if err := tb.Delete(ctx, KeyOf("c", "w"), 0); err != nil {
		t.Fatal(err)
	}
	all, err := tb.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(all); len(got) != 3 {
		t.Fatalf("List = %v, want 3 live records", got)
	}
	under, err := tb.ListPrefix(ctx, KeyOf("a.b"))
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(under); len(got) != 2 || got[0] != KeyOf("a.b", "x") || got[1] != KeyOf("a.b", "y") {
		t.Fatalf("ListPrefix(a.b) = %v", got)
	}
	// "a" must not match the host "a.b": the dot is inside the token.
	under, _ = tb.ListPrefix(ctx, KeyOf("a"))
	if got := keysOf(under); len(got) != 1 || got[0] != KeyOf("a", "z") {
		t.Fatalf("ListPrefix(a) = %v", got)
	}
	for _, e := range all {
		parts, _ := e.Key.Parts()
		if e.Value.Host != parts[0] || e.Value.UUID != parts[1] || e.Revision == 0 {
			t.Fatalf("entry %s = %+v", e.Key, e)
		}
	}
	// Index entries live in the same bucket but are not records.
	for _, e := range all {
		if strings.HasPrefix(string(e.Key), "idx") {
			t.Fatalf("List returned an index entry %s", e.Key)
		}
	}
}

func TestFollowerReadsAndPurgeDeletes(t *testing.T) {
	s := rpctest.StartServer(t)
	ctx := testCtx(t)
	d, err := Open(ctx, connectJS(t, s), Config{Buckets: testBuckets, FollowerReads: true})
	if err != nil {
		t.Fatal(err)
	}
	tb := vmTable(t, d)
	rev := mustCreate(t, tb, "a", vm{UUID: "a", Host: "h1"})
	if v, r, err := tb.Get(ctx, "a"); err != nil || r != rev || v.Host != "h1" {
		t.Fatalf("direct Get = %+v, %d, %v", v, r, err)
	}
	if _, err := tb.Mutate(ctx, "a", func(v vm) (vm, error) { v.Host = "h2"; return v, nil }); err != nil {
		t.Fatal(err)
	}
	if err := tb.Delete(ctx, "a", 0); err != nil {
		t.Fatal(err)
	}
	kv, _ := d.KeyValue("vms")
	st, _ := kv.Status(ctx)
	before := st.Values()
	if err := d.PurgeDeletes(ctx, -1); err != nil {
		t.Fatal(err)
	}
	st, _ = kv.Status(ctx)
	if st.Values() >= before || st.Values() != 0 {
		t.Fatalf("messages after PurgeDeletes: %d (before %d), want 0", st.Values(), before)
	}
	if _, err := tb.Create(ctx, "a", vm{UUID: "a"}); err != nil {
		t.Fatalf("Create after purge: %v", err)
	}
}
