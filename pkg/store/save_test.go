package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
)

// Two copies of one instance change different fields; both saves land,
// because a save writes only what its copy changed.
func TestSaveWritesOnlyChangedFields(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	inst := newInstance("cmp1")
	if err := e.st.Instances.Create(ctx, inst); err != nil {
		t.Fatal(err)
	}
	a, _ := e.st.Instances.Get(ctx, inst.UUID.Get())
	b, _ := e.st.Instances.Get(ctx, inst.UUID.Get())
	a.DisplayName.Set("renamed")
	b.PowerState.Set(objects.PowerPaused)
	e.clock.Advance(time.Second)
	if err := e.st.Instances.Save(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Instances.Save(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, _ := e.st.Instances.Get(ctx, inst.UUID.Get())
	if got.DisplayName.Get() != "renamed" || got.PowerState.Get() != objects.PowerPaused {
		t.Fatalf("a save overwrote the other's field: %s", asJSON(t, got))
	}
	// b was refreshed from the record: it sees a's change too.
	if b.DisplayName.Get() != "renamed" || !b.UpdatedAt.Get().Equal(t0.Add(time.Second)) {
		t.Fatalf("saved copy not refreshed: %s", asJSON(t, b))
	}
	mustNoChanges(t, b)

	// Nothing changed: nothing written, nothing checked.
	rev := e.revision(t, "instances", db.KeyOf(inst.UUID.Get()))
	if err := e.st.Instances.Save(ctx, b, objects.TaskMigrating); err != nil {
		t.Fatalf("save without changes: %v", err)
	}
	if r := e.revision(t, "instances", db.KeyOf(inst.UUID.Get())); r != rev {
		t.Fatalf("save without changes wrote revision %d over %d", r, rev)
	}
}

func TestSaveExpectedTaskStateMismatchWritesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	inst := newInstance("cmp1")
	inst.TaskState.Set(objects.TaskMigrating)
	if err := e.st.Instances.Create(ctx, inst); err != nil {
		t.Fatal(err)
	}
	key := db.KeyOf(inst.UUID.Get())
	rev := e.revision(t, "instances", key)

	inst.Host.Set("cmp2")
	inst.TaskState.SetNull()
	err := e.st.Instances.Save(ctx, inst, exception.NoTaskState, objects.TaskRebooting)
	var ute *exception.UnexpectedTaskState
	if !errors.As(err, &ute) {
		t.Fatalf("save with a wrong expected task state: %v", err)
	}
	if ute.Actual != objects.TaskMigrating || len(ute.Expected) != 2 || ute.InstanceUUID != inst.UUID.Get() {
		t.Fatalf("error fields: %+v", ute)
	}
	if r := e.revision(t, "instances", key); r != rev {
		t.Fatalf("refused save wrote: revision %d -> %d", rev, r)
	}
	got, _ := e.st.Instances.Get(ctx, inst.UUID.Get())
	if got.Host.Get() != "cmp1" || got.TaskState.Get() != objects.TaskMigrating {
		t.Fatalf("stored instance changed: %s", asJSON(t, got))
	}
	// The refused copy keeps its changes, to be retried or dropped.
	if len(inst.ObjWhatChanged()) != 2 {
		t.Fatalf("refused save touched the caller's changes: %v", inst.ObjWhatChanged())
	}
	// The right expectation goes through.
	if err := e.st.Instances.Save(ctx, inst, objects.TaskMigrating); err != nil {
		t.Fatal(err)
	}
	if hosts, _ := e.st.Instances.ListByHost(ctx, "cmp2"); len(hosts) != 1 {
		t.Fatalf("after the move, cmp2 has %d instances", len(hosts))
	}

	// A deleting instance is its own error, and still an UnexpectedTaskState.
	if _, err := e.st.Instances.Update(ctx, inst.UUID.Get(), func(i *objects.Instance) error {
		i.TaskState.Set(objects.TaskDeleting)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	inst.TaskState.Set(objects.TaskMigrating)
	err = e.st.Instances.Save(ctx, inst, exception.NoTaskState)
	var del *exception.UnexpectedDeletingTaskState
	if !errors.As(err, &del) || !errors.As(err, &ute) || ute.Actual != objects.TaskDeleting {
		t.Fatalf("save against a deleting instance: %v", err)
	}
}

// 50 writers each add their own metadata key and bump a counter with
// Update. A lost update would show as a missing key or a short count.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	inst := newInstance("cmp1")
	inst.Progress.Set(0)
	if err := e.st.Instances.Create(ctx, inst); err != nil {
		t.Fatal(err)
	}
	const writers = 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.st.Instances.Update(ctx, inst.UUID.Get(), func(i *objects.Instance) error {
				md := i.Metadata.Get()
				md[fmt.Sprintf("writer-%02d", w)] = "done"
				i.Metadata.Set(md)
				i.Progress.Set(i.Progress.Get() + 1)
				return nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _ := e.st.Instances.Get(ctx, inst.UUID.Get())
	if got.Progress.Get() != writers || len(got.Metadata.Get()) != writers {
		t.Fatalf("lost updates: counter %d, %d metadata keys, want %d of each", got.Progress.Get(), len(got.Metadata.Get()), writers)
	}
}

// Writers that each Save a different field of their own stale copy, all at
// once: every field lands, since a save merges onto the current record.
func TestConcurrentSavesOfDisjointFieldsAllLand(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	inst := newInstance("cmp1")
	if err := e.st.Instances.Create(ctx, inst); err != nil {
		t.Fatal(err)
	}
	setters := map[string]func(i *objects.Instance){
		"display_name":      func(i *objects.Instance) { i.DisplayName.Set("n") },
		"hostname":          func(i *objects.Instance) { i.Hostname.Set("h") },
		"image_ref":         func(i *objects.Instance) { i.ImageRef.Set("img") },
		"launched_on":       func(i *objects.Instance) { i.LaunchedOn.Set("cmp0") },
		"availability_zone": func(i *objects.Instance) { i.AvailabilityZone.Set("az1") },
		"root_gb":           func(i *objects.Instance) { i.RootGB.Set(20) },
		"ephemeral_gb":      func(i *objects.Instance) { i.EphemeralGB.Set(5) },
		"progress":          func(i *objects.Instance) { i.Progress.Set(42) },
		"user_id":           func(i *objects.Instance) { i.UserID.Set("u") },
		"project_id":        func(i *objects.Instance) { i.ProjectID.Set("p") },
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(setters))
	for _, set := range setters {
		copy, err := e.st.Instances.Get(ctx, inst.UUID.Get())
		if err != nil {
			t.Fatal(err)
		}
		set(copy)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- e.st.Instances.Save(ctx, copy)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _ := e.st.Instances.Get(ctx, inst.UUID.Get())
	want := newInstance("x")
	for _, set := range setters {
		set(want)
	}
	for name := range setters {
		a, _, _ := fieldValue(got, name)
		b, _, _ := fieldValue(want, name)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("field %s = %v, want %v", name, a, b)
		}
	}
}

// Many services try the same task-state transition at once: exactly one
// wins, every other one gets UnexpectedTaskState, and the winner's values
// are the ones stored.
func TestConcurrentTaskStateTransitionHasOneWinner(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	inst := newInstance("cmp1")
	if err := e.st.Instances.Create(ctx, inst); err != nil {
		t.Fatal(err)
	}
	const racers = 50
	var wg sync.WaitGroup
	results := make(chan error, racers)
	for r := range racers {
		copy, _ := e.st.Instances.Get(ctx, inst.UUID.Get())
		copy.TaskState.Set(objects.TaskMigrating)
		copy.Node.Set(fmt.Sprintf("racer-%d", r))
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- e.st.Instances.Save(ctx, copy, exception.NoTaskState)
		}()
	}
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		var ute *exception.UnexpectedTaskState
		switch {
		case err == nil:
			wins++
		case errors.As(err, &ute) && ute.Actual == objects.TaskMigrating:
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d winners, want exactly 1", wins)
	}
	migrating, err := e.st.Instances.ListByTaskState(ctx, objects.TaskMigrating)
	if err != nil || len(migrating) != 1 {
		t.Fatalf("ListByTaskState(migrating) = %d, %v", len(migrating), err)
	}
}

func TestMalformedObjectsAreRefused(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	var ae *exception.ObjectActionError

	noUUID := newInstance("cmp1")
	noUUID.UUID = objects.Field[string]{}
	if err := e.st.Instances.Create(ctx, noUUID); !errors.As(err, &ae) || ae.Action != "create" {
		t.Fatalf("create without uuid: %v", err)
	}
	badUUID := newInstance("cmp1")
	badUUID.UUID.Set("not-a-uuid")
	if err := e.st.Instances.Create(ctx, badUUID); !errors.As(err, &ae) {
		t.Fatalf("create with a bad uuid: %v", err)
	}
	withID := newInstance("cmp1")
	withID.ID.Set(7)
	if err := e.st.Instances.Create(ctx, withID); !errors.As(err, &ae) || ae.Reason != "already created" {
		t.Fatalf("create with an id: %v", err)
	}
	if all, _ := e.st.Instances.List(ctx); len(all) != 0 {
		t.Fatalf("refused creates stored %d instances", len(all))
	}

	inst := newInstance("cmp1")
	if err := e.st.Instances.Create(ctx, inst); err != nil {
		t.Fatal(err)
	}
	key := db.KeyOf(inst.UUID.Get())
	rev := e.revision(t, "instances", key)
	moved, _ := e.st.Instances.Get(ctx, inst.UUID.Get())
	moved.ID.Set(moved.ID.Get() + 1)
	if err := e.st.Instances.Save(ctx, moved); !errors.As(err, &ae) {
		t.Fatalf("save changing the id: %v", err)
	}
	if _, err := e.st.Instances.Update(ctx, inst.UUID.Get(), func(i *objects.Instance) error {
		i.UUID.Set(newUUID())
		return nil
	}); !errors.As(err, &ae) {
		t.Fatalf("update changing the uuid: %v", err)
	}
	if r := e.revision(t, "instances", key); r != rev {
		t.Fatalf("refused writes wrote: revision %d -> %d", rev, r)
	}
	// Re-stating the key with its own value is fine.
	same, _ := e.st.Instances.Get(ctx, inst.UUID.Get())
	same.UUID.Set(inst.UUID.Get())
	same.DisplayName.Set("x")
	if err := e.st.Instances.Save(ctx, same); err != nil {
		t.Fatal(err)
	}

	svc := new(objects.Service)
	svc.Binary.Set("nova-compute")
	if err := e.st.Services.Create(ctx, svc); !errors.As(err, &ae) {
		t.Fatalf("service without host: %v", err)
	}
	// A save of an instance that is not stored is not found, not created.
	ghost := newInstance("cmp1")
	ghost.DisplayName.Set("ghost")
	if err := e.st.Instances.Save(ctx, ghost); !errors.Is(err, exception.ErrNotFound) {
		t.Fatalf("save of a missing instance: %v", err)
	}
}
