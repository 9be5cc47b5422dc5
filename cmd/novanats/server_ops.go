package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor"
)

func newServerCreateCommand(f *opFlags) *cobra.Command {
	var (
		vcpus, memoryMB, diskGB int
		wait                    bool
	)
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Boot an instance (the scheduler picks the host)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if vcpus <= 0 || memoryMB <= 0 || diskGB < 0 {
				return withCode(exitUsage, fmt.Errorf("--vcpus and --memory-mb must be positive, --disk-gb not negative"))
			}
			out := cmd.OutOrStdout()
			ctx, nc, st, done, err := f.session(cmd, 2*time.Minute)
			if err != nil {
				return err
			}
			defer done()
			tasks, err := conductor.NewTaskAPI(nc, rpc.Caller("novanats-cli"))
			if err != nil {
				return err
			}
			fl := objects.NewFlavor(fmt.Sprintf("c%d-m%d-d%d", vcpus, memoryMB, diskGB), vcpus, memoryMB, diskGB)
			id := uuid.NewString()
			if err := tasks.ScheduleAndBuildInstances(operatorContext(ctx), []conductor.BuildRequest{{InstanceUUID: id, DisplayName: args[0], Flavor: fl}}); err != nil {
				return refusal("create refused", err)
			}
			fmt.Fprintf(out, "server %s (%s) is building\n", args[0], id)
			if !wait {
				return nil
			}
			inst, err := awaitActive(ctx, st, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "server %s (%s) is active on %s\n", args[0], id, inst.Host.Get())
			return nil
		},
	}
	cmd.Flags().IntVar(&vcpus, "vcpus", 1, "virtual CPUs")
	cmd.Flags().IntVar(&memoryMB, "memory-mb", 512, "memory in MiB")
	cmd.Flags().IntVar(&diskGB, "disk-gb", 1, "root disk in GiB")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the instance is active (exit 1 when it goes to ERROR)")
	return cmd
}

// awaitActive follows an instance until it is active or in error.
func awaitActive(ctx context.Context, st *store.Store, id string) (*objects.Instance, error) {
	updates, err := st.Instances.Watch(ctx, id)
	if err != nil {
		return nil, err
	}
	for u := range updates {
		if u.Err != nil || u.Value == nil {
			continue
		}
		switch vm, _ := u.Value.VMState.Lookup(); vm {
		case objects.VMStateActive:
			return u.Value, nil
		case objects.VMStateError:
			return nil, fmt.Errorf("server %s went to ERROR: %s", id, faultOf(u.Value))
		}
	}
	return nil, fmt.Errorf("server %s: %w", id, ctx.Err())
}

func newServerDeleteCommand(f *opFlags) *cobra.Command {
	var wait bool
	cmd := &cobra.Command{
		Use:   "delete SERVER",
		Short: "Delete an instance (refused, exit 5, while a task runs on it)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			ctx, nc, st, done, err := f.session(cmd, time.Minute)
			if err != nil {
				return err
			}
			defer done()
			inst, err := findServer(ctx, st, args[0])
			if err != nil {
				return err
			}
			id := inst.UUID.Get()
			inst, err = st.Instances.Update(ctx, id, func(in *objects.Instance) error {
				in.TaskState.Set(objects.TaskDeleting)
				return nil
			}, "")
			if err != nil {
				return refusal("delete refused", err)
			}
			host := inst.Host.Get()
			if host == "" {
				// Never placed: nothing on a compute to clean up.
				if err := st.Instances.Destroy(ctx, inst); err != nil {
					return err
				}
				fmt.Fprintf(out, "server %s deleted\n", id)
				return nil
			}
			rctx := operatorContext(ctx)
			rc, _ := rpc.RequestContextFrom(rctx)
			a := new(objects.InstanceAction)
			a.InstanceUUID.Set(id)
			a.RequestID.Set(rc.RequestID)
			a.Action.Set("delete")
			a.UserID.Set(rc.UserID)
			a.ProjectID.Set(rc.ProjectID)
			if err := st.Actions.Start(ctx, a); err != nil {
				return err
			}
			api, err := compute.NewAPI(nc, rpc.Caller("novanats-cli"))
			if err != nil {
				return err
			}
			if err := api.TerminateInstance(rctx, host, inst); err != nil {
				return refusal("delete", err)
			}
			fmt.Fprintf(out, "server %s: delete requested on %s\n", id, host)
			if !wait {
				return nil
			}
			updates, err := st.Instances.Watch(ctx, id)
			if err != nil {
				return err
			}
			for u := range updates {
				if u.Deleted {
					fmt.Fprintf(out, "server %s deleted\n", id)
					return nil
				}
				if u.Value != nil && u.Value.VMState.Get() == objects.VMStateError {
					return fmt.Errorf("server %s went to ERROR: %s", id, faultOf(u.Value))
				}
			}
			return fmt.Errorf("server %s: %w", id, ctx.Err())
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the instance is gone")
	return cmd
}

func newServerActionListCommand(f *opFlags) *cobra.Command {
	var (
		o      outputFlag
		events bool
	)
	cmd := &cobra.Command{
		Use:   "action-list SERVER",
		Short: "List an instance's actions (--events: each with its timeline)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: f.readStore(&o, func(ctx context.Context, st *store.Store, out io.Writer, args []string) error {
			inst, err := findServer(ctx, st, args[0])
			if err != nil {
				return err
			}
			actions, err := st.Actions.ListByInstance(ctx, inst.UUID.Get())
			if err != nil {
				return err
			}
			if actions == nil {
				actions = []*objects.InstanceAction{}
			}
			if events && o.format == "table" {
				for i, a := range actions {
					if i > 0 {
						fmt.Fprintln(out)
					}
					if err := printTimeline(ctx, out, st, inst.UUID.Get(), a.Action.Get()); err != nil {
						return err
					}
				}
				return nil
			}
			if o.format != "table" {
				// The records as nova stores them (updated_at is the
				// latest event's start or finish; finish_time is unset).
				return o.print(out, actions, nil)
			}
			ends := make([]string, len(actions))
			for i, a := range actions {
				evs, err := st.Actions.Events(ctx, inst.UUID.Get(), a.RequestID.Get())
				if err != nil {
					return err
				}
				ends[i] = actionEnd(a, evs)
			}
			return o.print(out, actions, func(tw io.Writer) {
				fmt.Fprintln(tw, "ACTION\tREQUEST\tSTART\tEND (LAST EVENT)\tMESSAGE")
				for i, a := range actions {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Action.Get(), a.RequestID.Get(), a.StartTime.Get().UTC().Format(time.RFC3339), ends[i], orDash(a.Message.Get()))
				}
			})
		}),
	}
	o.register(cmd.Flags())
	cmd.Flags().BoolVar(&events, "events", false, "print each action's events across the services")
	return cmd
}

// actionEnd is when an action ended, for `server action-list`. Nova never
// sets an action's finish_time (nothing calls action_finish; its API shows
// none), so the end is the latest finish of its events once every event
// has finished: "running (done/all events)" before that, "-" for an
// action without events. A finish_time someone did record (the
// InstanceAction.action_finish RPC) wins.
func actionEnd(a *objects.InstanceAction, events []*objects.InstanceActionEvent) string {
	if t, ok := a.FinishTime.Lookup(); ok {
		return t.UTC().Format(time.RFC3339)
	}
	if len(events) == 0 {
		return "-"
	}
	var last time.Time
	done := 0
	for _, ev := range events {
		if t, ok := ev.FinishTime.Lookup(); ok {
			done++
			if t.After(last) {
				last = t
			}
		}
	}
	if done < len(events) {
		return fmt.Sprintf("running (%d/%d events)", done, len(events))
	}
	return last.UTC().Format(time.RFC3339)
}
