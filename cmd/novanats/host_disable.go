package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/objects"
)

// newHostToggleCommands are `host disable HOST [--reason]` and `host
// enable HOST`: nova's `compute service set --disable`. A disabled host
// stays up but the scheduler gives it no new instances or migrations.
func newHostToggleCommands(f *opFlags) []*cobra.Command {
	toggle := func(disable bool) *cobra.Command {
		var reason string
		verb, short := "enable", "Let the scheduler place instances on HOST again"
		if disable {
			verb, short = "disable", "Stop the scheduler from placing instances on HOST (it stays up; what runs there keeps running)"
		}
		cmd := &cobra.Command{
			Use:   verb + " HOST",
			Short: short,
			Args:  usageArgs(cobra.ExactArgs(1)),
			RunE: func(cmd *cobra.Command, args []string) error {
				ctx, _, st, done, err := f.session(cmd, 30*time.Second)
				if err != nil {
					return err
				}
				defer done()
				host := args[0]
				_, err = st.Services.Update(ctx, host, "nova-compute", func(sv *objects.Service) error {
					sv.Disabled.Set(disable)
					if disable {
						sv.DisabledReason.Set(reason)
					} else {
						sv.DisabledReason.SetNull()
					}
					return nil
				})
				if err != nil {
					return noHost(host, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "host %s %sd\n", host, verb)
				return nil
			},
		}
		if disable {
			cmd.Flags().StringVar(&reason, "reason", "", "why (shown by host list)")
		}
		return cmd
	}
	return []*cobra.Command{toggle(true), toggle(false)}
}
