package compute

import (
	"sync"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
)

func testLM(uuid string) *liveMigration {
	inst := new(objects.Instance)
	inst.UUID.Set(uuid)
	return &liveMigration{inst: inst}
}

// syncStart runs the executor's work inline on goroutines the test waits
// for, recording the order migrations started in.
type syncStart struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	started []string
	release map[string]chan struct{}
}

func (s *syncStart) run(lm *liveMigration) {
	s.mu.Lock()
	s.started = append(s.started, lm.uuid())
	ch := s.release[lm.uuid()]
	s.mu.Unlock()
	<-ch
}

func newSyncStart(uuids ...string) *syncStart {
	s := &syncStart{release: map[string]chan struct{}{}}
	for _, u := range uuids {
		s.release[u] = make(chan struct{})
	}
	return s
}

func (s *syncStart) startedSoFar() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.started...)
}

// A migration reserved first starts first, even when its handler queues
// it after a later one; the limit holds; a finished one frees its slot for
// the next in line.
func TestLMExecutorOrderAndLimit(t *testing.T) {
	s := newSyncStart("a", "b", "c")
	e := newLMExecutor(1, func(fn func()) bool { s.wg.Go(fn); return true })
	a, b, c := testLM("a"), testLM("b"), testLM("c")
	for _, lm := range []*liveMigration{a, b, c} {
		if !e.reserve(lm) {
			t.Fatalf("reserve %s refused", lm.uuid())
		}
	}
	if e.reserve(testLM("a")) {
		t.Error("a second migration of the same instance was accepted")
	}
	// b's handler finishes queueing before a's: b must still wait.
	e.activate(b, s.run)
	if r, q, _ := e.stats(); r != 0 || q != 3 {
		t.Fatalf("after b is queued ahead of a: running %d queued %d, want 0 and 3", r, q)
	}
	e.activate(c, s.run)
	e.activate(a, s.run)
	close(s.release["a"])
	close(s.release["b"])
	close(s.release["c"])
	s.wg.Wait()
	if got := s.startedSoFar(); len(got) != 3 || got[0] != "a" || got[1] != "b" || got[2] != "c" {
		t.Errorf("start order %v, want [a b c]", got)
	}
	if _, _, peak := e.stats(); peak != 1 {
		t.Errorf("peak %d with max_concurrent_live_migrations=1", peak)
	}
}

// max_concurrent_live_migrations=0 is unlimited, as nova's.
func TestLMExecutorUnlimited(t *testing.T) {
	s := newSyncStart("a", "b", "c")
	e := newLMExecutor(0, func(fn func()) bool { s.wg.Go(fn); return true })
	for _, u := range []string{"a", "b", "c"} {
		lm := testLM(u)
		e.reserve(lm)
		e.activate(lm, s.run)
	}
	if r, q, _ := e.stats(); r != 3 || q != 0 {
		t.Errorf("running %d queued %d, want all 3 running", r, q)
	}
	for _, ch := range s.release {
		close(ch)
	}
	s.wg.Wait()
}

// A queued migration can be taken out before it starts; stop hands back
// the queued ones and refuses new ones.
func TestLMExecutorDequeueAndStop(t *testing.T) {
	s := newSyncStart("a", "b", "c")
	e := newLMExecutor(1, func(fn func()) bool { s.wg.Go(fn); return true })
	a, b, c := testLM("a"), testLM("b"), testLM("c")
	for _, lm := range []*liveMigration{a, b, c} {
		e.reserve(lm)
		e.activate(lm, s.run)
	}
	if e.dequeue("a") != nil {
		t.Error("the running migration was dequeued")
	}
	if got := e.dequeue("b"); got != b {
		t.Errorf("dequeue b = %v, want b", got)
	}
	if e.get("b") != nil {
		t.Error("b still known after it was dequeued")
	}
	left := e.stop()
	if len(left) != 1 || left[0] != c {
		t.Errorf("stop returned %d queued, want c alone", len(left))
	}
	if e.reserve(testLM("d")) {
		t.Error("a stopped executor accepted a migration")
	}
	for _, ch := range s.release {
		close(ch)
	}
	s.wg.Wait()
	if got := s.startedSoFar(); len(got) != 1 || got[0] != "a" {
		t.Errorf("started %v, want only a", got)
	}
}
