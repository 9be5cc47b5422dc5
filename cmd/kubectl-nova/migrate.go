package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newMigrateCommand(p *plugin) *cobra.Command {
	var (
		to      string
		wait    bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "migrate INSTANCE",
		Short: "Live-migrate an instance: create a LiveMigration, and follow it with --wait",
		Long: `migrate creates a LiveMigration of INSTANCE (its name or UUID) in the current
namespace, named after the instance (its name, also when given by UUID) with a
random suffix, and labelled novanats.io/instance=INSTANCE. The scheduler picks the destination unless
--to names one.

--wait follows it to its end through a watch: a line per phase, and the
memory copy as a progress bar on a terminal (a line every 10% otherwise).
With -o, the LiveMigration is printed (the final one with --wait) and the
progress goes to stderr.

Exit 0 when created (with --wait: when it Succeeded); 1 when it ended Failed
or Cancelled, with the reason, or --timeout passed (the migration goes on);
4 when --to is not a compute host; 5 when the instance already has an
unfinished LiveMigration.`,
		Example: `  kubectl nova migrate vm-1
  kubectl nova migrate vm-1 --to compute-2 --wait
  kubectl nova migrate 3f0e...-uuid --wait --timeout 10m -o yaml`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: nil, // set below, after printFlags registered -o
	}
	pf := printFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		printObj, err := objectPrinter(pf)
		if err != nil {
			return err
		}
		if timeout < 0 {
			return withCode(exitUsage, fmt.Errorf("--timeout %s: want 0 (no limit) or more", timeout))
		}
		c, ns, err := p.clientIn()
		if err != nil {
			return err
		}
		ctx, instance := cmd.Context(), args[0]
		if to != "" {
			if err := checkHost(ctx, c, to); err != nil {
				return err
			}
		}
		// nova runs one live migration of an instance at a time; a second
		// LiveMigration would only end Failed, so say so now.
		running, _, err := unfinishedFor(ctx, c, ns, instance)
		if err != nil {
			return err
		}
		if len(running) > 0 {
			return withCode(exitConflict, fmt.Errorf("instance %s is already being migrated by livemigration %s (%s)",
				instance, running[0].Name, phaseOf(&running[0])))
		}
		lm := newLiveMigration(ns, instance, displayName(ctx, c, instance), to)
		if err := c.Create(ctx, lm); err != nil {
			return err
		}
		out, progress := p.streams.Out, p.streams.Out
		if printObj != nil {
			progress = p.streams.ErrOut // keeps stdout parseable
		}
		fmt.Fprintf(progress, "livemigration.novanats.io/%s created\n", lm.Name)
		if !wait {
			if printObj != nil {
				return printObj(lm, out)
			}
			return nil
		}
		view := newProgressView(progress, p.isTerminal(progress))
		final, err := followMigration(ctx, c, lm, timeout, view.show)
		if err != nil {
			return err
		}
		if printObj != nil {
			if err := printObj(final, out); err != nil {
				return err
			}
		}
		return migrationOutcome(final)
	}
	cmd.Flags().StringVar(&to, "to", "", "destination compute host; default: the scheduler picks")
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the migration to its end and exit non-zero unless it Succeeded")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "with --wait, stop following after this long (0: no limit); the migration goes on")
	return cmd
}
