package db

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestMutateConcurrentIncrements(t *testing.T) {
	d, _, _ := startDB(t)
	tb := vmTable(t, d)
	ctx := testCtx(t)
	k := KeyOf("counter")
	mustCreate(t, tb, k, vm{UUID: "counter", Host: "h0"})

	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := tb.Mutate(ctx, k, func(cur vm) (vm, error) {
				cur.Counter++
				// Every tenth increment also moves the record to
				// another host, so some of the contending writes are
				// atomic batches with index changes, not single
				// publishes. (Not all: on an R1 file stream the server
				// stages each batch in its own fsynced store, ~5ms.)
				cur.Host = hostFor(cur.Counter)
				return cur, nil
			})
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Mutate: %v", err)
		}
	}
	got, _, err := tb.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if got.Counter != n {
		t.Fatalf("counter = %d after %d increments: lost updates", got.Counter, n)
	}
	// The index followed the last write and only it.
	want := hostFor(n)
	for _, h := range []string{"h0", "h1", "h2"} {
		es, err := tb.ByIndex(ctx, "host", h)
		if err != nil {
			t.Fatal(err)
		}
		if (h == want) != (len(es) == 1) || len(es) > 1 {
			t.Fatalf("ByIndex(%s) = %v; record is on %s", h, keysOf(es), want)
		}
	}
	kv, _ := d.KeyValue("vms")
	if idx := rawKeys(t, kv, "idx.>"); len(idx) != 1 {
		t.Fatalf("live index entries = %v, want exactly one", idx)
	}
}

func hostFor(counter int) string { return fmt.Sprintf("h%d", counter/10%3) }

var errUnexpectedTaskState = errors.New("unexpected task state")

func TestMutateFunctionErrorWritesNothing(t *testing.T) {
	d, _, _ := startDB(t)
	tb := vmTable(t, d)
	ctx := testCtx(t)
	k := KeyOf("vm")
	rev := mustCreate(t, tb, k, vm{UUID: "vm", Host: "h1", TaskState: "spawning"})

	_, err := tb.Mutate(ctx, k, func(cur vm) (vm, error) {
		cur.Host = "h2" // changed in place, then refused: must not leak
		if cur.TaskState != "deleting" {
			return cur, errUnexpectedTaskState
		}
		return cur, nil
	})
	if err != errUnexpectedTaskState {
		t.Fatalf("Mutate returned %v, want the function's error unchanged", err)
	}
	got, rev2, err := tb.Get(ctx, k)
	if err != nil || rev2 != rev || got.Host != "h1" {
		t.Fatalf("after a refused Mutate: %+v rev %d (was %d), %v", got, rev2, rev, err)
	}
	if es, _ := tb.ByIndex(ctx, "host", "h2"); len(es) != 0 {
		t.Fatalf("refused Mutate left an index entry: %v", keysOf(es))
	}
	if _, err := tb.Mutate(ctx, KeyOf("missing"), func(cur vm) (vm, error) { return cur, nil }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Mutate of a missing record: %v", err)
	}
}

func TestMutateGivesUpAfterMaxAttempts(t *testing.T) {
	d, _, _ := startDB(t)
	tb, err := NewTable(d, TableConfig[vm]{Bucket: "vms", Codec: MsgpackCodec[vm](), MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	k := KeyOf("busy")
	mustCreate(t, tb, k, vm{})
	calls := 0
	_, err = tb.Mutate(ctx, k, func(cur vm) (vm, error) {
		calls++
		// A competing writer gets in between every read and write.
		if _, err := tb.Mutate(ctx, k, func(c vm) (vm, error) { c.Counter += 100; return c, nil }); err != nil {
			t.Fatal(err)
		}
		cur.Counter++
		return cur, nil
	})
	if !errors.Is(err, ErrConflict) || calls != 3 {
		t.Fatalf("Mutate = %v after %d calls, want ErrConflict after 3", err, calls)
	}
	if got, _, _ := tb.Get(ctx, k); got.Counter != 300 {
		t.Fatalf("counter = %d, want only the competing writes (300)", got.Counter)
	}
}

// Two writers with the same expected revision: exactly one wins. Run once
// with a single-message write and once with an index change (atomic batch).
func TestConcurrentUpdateSameRevision(t *testing.T) {
	for _, moveHost := range []bool{false, true} {
		t.Run(fmt.Sprintf("moveHost=%v", moveHost), func(t *testing.T) {
			d, _, _ := startDB(t)
			tb := vmTable(t, d)
			ctx := testCtx(t)
			k := KeyOf("vm")
			rev := mustCreate(t, tb, k, vm{UUID: "vm", Host: "h0"})

			for round := 0; round < 20; round++ {
				start := make(chan struct{})
				results := make(chan error, 2)
				for w := 1; w <= 2; w++ {
					v := vm{UUID: "vm", Host: "h0", Counter: w}
					if moveHost {
						v.Host = fmt.Sprintf("h%d-%d", round, w)
					}
					go func() {
						<-start
						_, err := tb.Update(ctx, k, v, rev)
						results <- err
					}()
				}
				close(start)
				var wins, conflicts int
				for i := 0; i < 2; i++ {
					switch err := <-results; {
					case err == nil:
						wins++
					case errors.Is(err, ErrConflict):
						conflicts++
					default:
						t.Fatalf("round %d: %v", round, err)
					}
				}
				if wins != 1 || conflicts != 1 {
					t.Fatalf("round %d: %d wins, %d conflicts", round, wins, conflicts)
				}
				got, newRev, err := tb.Get(ctx, k)
				if err != nil || newRev <= rev {
					t.Fatalf("round %d: Get = %d, %v", round, newRev, err)
				}
				rev = newRev
				if moveHost {
					// Only the winner's host is indexed.
					kv, _ := d.KeyValue("vms")
					idx := rawKeys(t, kv, "idx.>")
					if len(idx) != 1 || idx[0] != "idx.host."+EscapeToken(got.Host)+".vm" {
						t.Fatalf("round %d: record on %s, index entries %v", round, got.Host, idx)
					}
				}
			}
		})
	}
}
