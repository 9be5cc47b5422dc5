package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
)

// steering is one of the two requests a user may make of a running
// LiveMigration by setting a spec flag from false to true (the CRD refuses
// setting it back).
type steering struct {
	verb    string // command name and what the messages call it
	field   string // spec field set to true
	short   string
	long    string
	example string
	isSet   func(*novav1.LiveMigration) bool
	// outcome judges the final phase after --wait.
	outcome func(*novav1.LiveMigration) error
}

func newAbortCommand(p *plugin) *cobra.Command {
	return newSteerCommand(p, steering{
		verb:  "abort",
		field: "abort",
		short: "Abort a running live migration (spec.abort=true); it ends Cancelled",
		long: `abort sets spec.abort on the LiveMigration named LM, or on the unfinished
LiveMigration(s) of the instance named INSTANCE (name or UUID as given to
migrate), and the controller cancels nova's migration: the instance stays on
its source host, and the LiveMigration stays as a record, phase Cancelled.
(Deleting the LiveMigration aborts too, and removes it.)

Exit 0 when requested (with --wait: when it ended Cancelled); 4 when there is
no such LiveMigration or instance; 5 when it has already finished, or with
--wait when it finished before the abort took effect.`,
		example: `  kubectl nova abort vm-1-x7k2p
  kubectl nova abort vm-1 --wait`,
		isSet: func(lm *novav1.LiveMigration) bool { return lm.Spec.Abort },
		outcome: func(lm *novav1.LiveMigration) error {
			if lm.Status.Phase == novav1.PhaseCancelled {
				return nil
			}
			return withCode(exitConflict, fmt.Errorf("livemigration %s finished %s before the abort took effect", lm.Name, lm.Status.Phase))
		},
	})
}

func newForceCompleteCommand(p *plugin) *cobra.Command {
	return newSteerCommand(p, steering{
		verb:  "force-complete",
		field: "forceComplete",
		short: "Force a running live migration to complete (spec.forceComplete=true)",
		long: `force-complete sets spec.forceComplete on the LiveMigration named LM, or on
the unfinished LiveMigration(s) of the instance named INSTANCE, and the
controller asks nova to force it to complete: the instance is paused (or
switched to post-copy) so that its memory copy converges.

Exit 0 when requested (with --wait: when it Succeeded); 1 with --wait when it
ended Failed or Cancelled; 4 when there is no such LiveMigration or instance;
5 when it has already finished.`,
		example: `  kubectl nova force-complete vm-1-x7k2p
  kubectl nova force-complete vm-1 --wait`,
		isSet:   func(lm *novav1.LiveMigration) bool { return lm.Spec.ForceComplete },
		outcome: migrationOutcome,
	})
}

func newSteerCommand(p *plugin, s steering) *cobra.Command {
	var (
		wait    bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:     s.verb + " LM|INSTANCE",
		Short:   s.short,
		Long:    s.long,
		Example: s.example,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout < 0 {
				return withCode(exitUsage, fmt.Errorf("--timeout %s: want 0 (no limit) or more", timeout))
			}
			c, ns, err := p.clientIn()
			if err != nil {
				return err
			}
			ctx, out := cmd.Context(), p.streams.Out
			lms, err := resolveRunning(ctx, c, ns, args[0], s.verb)
			if err != nil {
				return err
			}
			// A merge patch of the one field: no read-modify-write, so it
			// cannot conflict with the controller's status updates.
			patch := client.RawPatch(types.MergePatchType, fmt.Appendf(nil, `{"spec":{%q:true}}`, s.field))
			for i := range lms {
				lm := &lms[i]
				if s.isSet(lm) {
					fmt.Fprintf(out, "%s: %s already requested (%s)\n", lm.Name, s.verb, phaseOf(lm))
					continue
				}
				if err := c.Patch(ctx, lm, patch); err != nil {
					return fmt.Errorf("livemigration %s: %w", lm.Name, err)
				}
				fmt.Fprintf(out, "%s: %s requested (%s)\n", lm.Name, s.verb, phaseOf(lm))
			}
			if !wait {
				return nil
			}
			var errs []error
			for i := range lms {
				view := newProgressView(out, p.isTerminal(out))
				final, err := followMigration(ctx, c, &lms[i], timeout, view.show)
				if err != nil {
					return err
				}
				errs = append(errs, s.outcome(final))
			}
			return errors.Join(errs...)
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the migration to its end")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "with --wait, stop following after this long (0: no limit)")
	return cmd
}
