package store

import (
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/objects"
)

// An action's updated_at follows its events as nova's action_event_start
// and action_event_finish move it, while its finish_time stays unset as in
// nova (nothing calls action_finish): `server action-list` derives an
// action's end from its events, not from finish_time.
func TestInstanceActionUpdatedAtFollowsEvents(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	inst := newUUID()
	a := new(objects.InstanceAction)
	a.InstanceUUID.Set(inst)
	a.RequestID.Set("req-1")
	a.Action.Set(objects.ActionLiveMigration)
	if err := e.st.Actions.Start(ctx, a); err != nil {
		t.Fatal(err)
	}
	updatedAt := func() time.Time {
		t.Helper()
		got, err := e.st.Actions.Get(ctx, inst, "req-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.FinishTime.IsSet() && !got.FinishTime.IsNull() {
			t.Fatalf("finish_time set by an event: %s", asJSON(t, got))
		}
		u, ok := got.UpdatedAt.Lookup()
		if !ok {
			t.Fatalf("updated_at unset: %s", asJSON(t, got))
		}
		return u
	}

	e.clock.Advance(time.Second)
	ev := new(objects.InstanceActionEvent)
	ev.Event.Set("compute_live_migration")
	if err := e.st.Actions.EventStart(ctx, inst, "req-1", ev); err != nil {
		t.Fatal(err)
	}
	if got := updatedAt(); !got.Equal(ev.StartTime.Get()) {
		t.Fatalf("updated_at %v after event start, want the event's start %v", got, ev.StartTime.Get())
	}

	// A successful finish moves it too (not only an Error), to the
	// event's own finish_time when the reporter gives one.
	e.clock.Advance(time.Minute)
	fin := new(objects.InstanceActionEvent)
	fin.Event.Set("compute_live_migration")
	fin.Result.Set(objects.EventResultSuccess)
	reported := t0.Add(30 * time.Second)
	fin.FinishTime.Set(reported)
	if err := e.st.Actions.EventFinish(ctx, inst, "req-1", fin); err != nil {
		t.Fatal(err)
	}
	if got := updatedAt(); !got.Equal(reported) {
		t.Fatalf("updated_at %v after event finish, want the event's finish %v", got, reported)
	}
}
