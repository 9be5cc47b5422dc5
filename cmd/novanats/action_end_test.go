package main

import (
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/objects"
)

func TestActionEnd(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	event := func(start time.Time, finish *time.Time) *objects.InstanceActionEvent {
		ev := new(objects.InstanceActionEvent)
		ev.Event.Set("e")
		ev.StartTime.Set(start)
		if finish != nil {
			ev.FinishTime.Set(*finish)
		}
		return ev
	}
	at := func(d time.Duration) *time.Time { x := t0.Add(d); return &x }
	action := new(objects.InstanceAction)
	action.Action.Set("live-migration")

	for _, c := range []struct {
		name   string
		events []*objects.InstanceActionEvent
		want   string
	}{
		{"no events", nil, "-"},
		{"one still running", []*objects.InstanceActionEvent{event(t0, at(time.Second)), event(t0, nil)}, "running (1/2 events)"},
		// The latest finish, not the last event's: events of two hosts
		// end in any order.
		{"all finished", []*objects.InstanceActionEvent{event(t0, at(9*time.Second)), event(t0.Add(time.Second), at(3*time.Second))}, "2026-01-02T03:04:14Z"},
	} {
		if got := actionEnd(action, c.events); got != c.want {
			t.Errorf("%s: actionEnd = %q, want %q", c.name, got, c.want)
		}
	}

	// A recorded finish_time (action_finish) wins over the events.
	action.FinishTime.Set(t0.Add(time.Hour))
	if got := actionEnd(action, []*objects.InstanceActionEvent{event(t0, nil)}); got != "2026-01-02T04:04:05Z" {
		t.Errorf("with finish_time: actionEnd = %q", got)
	}
}
