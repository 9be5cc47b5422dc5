package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/store"
)

// printTimeline prints an instance action and its events across the
// services that recorded them (nova's `server event show`).
func printTimeline(ctx context.Context, out io.Writer, st *store.Store, instanceUUID, action string) error {
	actions, err := st.Actions.ListByInstance(ctx, instanceUUID)
	if err != nil {
		return err
	}
	var a *objects.InstanceAction
	for _, x := range actions {
		if x.Action.Get() == action {
			a = x
			break
		}
	}
	if a == nil {
		return fmt.Errorf("instance %s has no %q action", instanceUUID, action)
	}
	events, err := st.Actions.Events(ctx, instanceUUID, a.RequestID.Get())
	if err != nil {
		return err
	}
	slices.SortStableFunc(events, func(x, y *objects.InstanceActionEvent) int {
		return x.StartTime.Get().Compare(y.StartTime.Get())
	})
	start := a.StartTime.Get()
	fmt.Fprintf(out, "action %s of instance %s, request %s\n", a.Action.Get(), instanceUUID, a.RequestID.Get())
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  +START\tEVENT\tHOST\tTOOK\tRESULT")
	for _, ev := range events {
		took := "running"
		if fin, ok := ev.FinishTime.Lookup(); ok {
			took = fin.Sub(ev.StartTime.Get()).Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", ev.StartTime.Get().Sub(start).Round(time.Millisecond), ev.Event.Get(), ev.Host.Get(), took, ev.Result.Get())
	}
	return tw.Flush()
}
