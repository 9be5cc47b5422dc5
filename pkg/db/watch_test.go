package db

import (
	"context"
	"testing"
	"time"
)

// next waits for one update, failing the test (not sleeping) if none comes.
func next[T any](t *testing.T, ch <-chan Update[T]) Update[T] {
	t.Helper()
	select {
	case u, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed early")
		}
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("no update within 10s")
	}
	panic("unreachable")
}

func TestWatchFollowsAMigration(t *testing.T) {
	d, _, _ := startDB(t)
	tb := migrationTable(t, d)
	ctx := testCtx(t)
	mustCreate(t, tb, "m1", migration{ID: "m1", Instance: "i1", Source: "h1", Dest: "h2", Status: "queued"})
	mustCreate(t, tb, "m2", migration{ID: "m2", Status: "queued"}) // not watched

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := tb.Watch(wctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	first := next(t, ch)
	if first.Key != "m1" || first.Value.Status != "queued" || first.Deleted {
		t.Fatalf("first update = %+v, want the current value", first)
	}

	steps := []string{"preparing", "running", "post-migrating", "completed"}
	writerDone := make(chan struct{})
	defer func() { <-writerDone }() // its last ack may come after the watch saw the write
	go func() {
		defer close(writerDone)
		for _, s := range steps {
			if _, err := tb.Mutate(ctx, "m1", func(m migration) (migration, error) { m.Status = s; return m, nil }); err != nil {
				t.Error(err)
				return
			}
			// Noise on another key must not show up.
			if _, err := tb.Mutate(ctx, "m2", func(m migration) (migration, error) { m.Status = s; return m, nil }); err != nil {
				t.Error(err)
				return
			}
		}
		if err := tb.Delete(ctx, "m1", 0); err != nil {
			t.Error(err)
		}
	}()
	rev := first.Revision
	for _, s := range steps {
		u := next(t, ch)
		if u.Key != "m1" || u.Value.Status != s || u.Deleted || u.Err != nil {
			t.Fatalf("update = %+v, want status %s", u, s)
		}
		if u.Revision <= rev {
			t.Fatalf("revision %d after %d: out of order", u.Revision, rev)
		}
		rev = u.Revision
	}
	if u := next(t, ch); !u.Deleted || u.Key != "m1" {
		t.Fatalf("update = %+v, want the deletion", u)
	}

	cancel()
	select {
	case u, ok := <-ch:
		if ok {
			t.Fatalf("update %+v after cancel", u)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch channel not closed after cancel")
	}
}

func TestWatchPrefixAndMissingKey(t *testing.T) {
	d, _, _ := startDB(t)
	tb := vmTable(t, d)
	ctx := testCtx(t)
	mustCreate(t, tb, KeyOf("i1", "req-1"), vm{UUID: "a"})
	mustCreate(t, tb, KeyOf("i2", "req-1"), vm{UUID: "b"})

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := tb.WatchPrefix(wctx, KeyOf("i1"))
	if err != nil {
		t.Fatal(err)
	}
	missing, err := tb.Watch(wctx, "never")
	if err != nil {
		t.Fatal(err)
	}
	if u := next(t, ch); u.Key != KeyOf("i1", "req-1") {
		t.Fatalf("first prefix update = %+v", u)
	}
	mustCreate(t, tb, KeyOf("i2", "req-2"), vm{UUID: "c"})
	mustCreate(t, tb, KeyOf("i1", "req-2"), vm{UUID: "d"})
	mustCreate(t, tb, "never", vm{UUID: "e"})
	if u := next(t, ch); u.Key != KeyOf("i1", "req-2") || u.Value.UUID != "d" {
		t.Fatalf("second prefix update = %+v", u)
	}
	// A key that did not exist when the watch began: its creation is the
	// first thing delivered.
	if u := next(t, missing); u.Key != "never" || u.Value.UUID != "e" {
		t.Fatalf("watch of a new key = %+v", u)
	}
}
