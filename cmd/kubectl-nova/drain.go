package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
)

const (
	defaultDrainReason = "drained with kubectl nova"
	// defaultMaxConcurrent: one migration copying and one queued behind it
	// on the source compute (nova's max_concurrent_live_migrations is 1),
	// so the host never idles between two, without flooding the queue.
	defaultMaxConcurrent = 2
	// applyTimeout bounds the waits on the controller's mirroring (host
	// disabled, host empty), which take a reconcile, not a migration.
	applyTimeout = 2 * time.Minute
)

// drainRow is the outcome of one instance of a drain.
type drainRow struct {
	ref     novav1.InstanceRef
	lm      *novav1.LiveMigration // as last seen; nil if none was created
	adopted bool                  // an unfinished LiveMigration existed already
	err     error                 // creating or following it failed
}

func newDrainCommand(p *plugin) *cobra.Command {
	var (
		maxConcurrent int
		wait          bool
		timeout       time.Duration
		reason, to    string
	)
	cmd := &cobra.Command{
		Use:   "drain HOST",
		Short: "Disable a compute host and live-migrate every instance away, a few at a time",
		Long: `drain disables HOST (spec.disabled=true, with --reason), waits until nova has
it disabled, then creates a LiveMigration, in the current namespace, for each
instance the ComputeHost lists (status.instanceRefs), keeping at most
--max-concurrent of them unfinished at a time and starting the next when one
ends. An instance that already has an unfinished LiveMigration (an earlier
drain that was interrupted) is followed, not migrated twice. Each
LiveMigration is labelled novanats.io/drain=HOST.

Like kubectl drain, it waits for every migration to end and then for the host
to be empty; --wait=false returns once the last LiveMigration is created
(the last --max-concurrent may still run). A line per phase change of each
migration, then a table per instance; with -o the LiveMigrations are printed
instead of the table, and the lines go to stderr. kubectl nova uncordon HOST
enables the host again.

Exit 0 when every instance moved (and the host is empty); 1 when one did not
(the table says why); 4 when HOST is not a compute host.`,
		Example: `  kubectl nova drain compute-1
  kubectl nova drain compute-1 --max-concurrent 4 --reason "BIOS update"
  kubectl nova drain compute-1 -o yaml`,
		Args: usageArgs(cobra.ExactArgs(1)),
	}
	pf := printFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		printObj, err := objectPrinter(pf)
		if err != nil {
			return err
		}
		host := args[0]
		switch {
		case maxConcurrent < 0:
			return withCode(exitUsage, fmt.Errorf("--max-concurrent %d: want 1 or more, or 0 for no limit", maxConcurrent))
		case timeout < 0:
			return withCode(exitUsage, fmt.Errorf("--timeout %s: want 0 (no limit) or more", timeout))
		case to == host:
			return withCode(exitUsage, fmt.Errorf("--to %s is the host being drained", to))
		}
		c, ns, err := p.clientIn()
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		out, progress := p.streams.Out, p.streams.Out
		if printObj != nil {
			progress = p.streams.ErrOut
		}
		progress = &syncWriter{w: progress} // migrations report concurrently

		var ch novav1.ComputeHost
		if err := c.Get(ctx, client.ObjectKey{Name: host}, &ch); err != nil {
			if apierrors.IsNotFound(err) {
				return withCode(exitNotFound, fmt.Errorf("no compute host %s (kubectl nova hosts lists them)", host))
			}
			return err
		}
		if to != "" {
			if err := checkHost(ctx, c, to); err != nil {
				return err
			}
		}
		// Keep the reason of a host already disabled unless a new one is
		// given: a re-run of drain should not erase why it was disabled.
		if reason == "" {
			reason = defaultDrainReason
			if ch.Spec.Disabled && ch.Spec.DisabledReason != "" {
				reason = ch.Spec.DisabledReason
			}
		}
		// Disabled first, and applied in nova, so that no instance lands
		// on the host while it is being emptied.
		disabled, err := setDisabled(ctx, c, host, true, reason)
		if err != nil {
			return err
		}
		hostNow, err := awaitDisabled(ctx, c, disabled, applyTimeout)
		if err != nil {
			return err
		}
		fmt.Fprintf(progress, "computehost/%s disabled (%s)\n", host, reason)

		refs := slices.Clone(hostNow.Status.InstanceRefs)
		if len(refs) == 0 && hostNow.Status.Instances > 0 {
			return fmt.Errorf("computehost %s counts %d instances but does not list them (status.instanceRefs): the controller is older than this plugin",
				host, hostNow.Status.Instances)
		}
		slices.SortFunc(refs, func(a, b novav1.InstanceRef) int {
			return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.UUID, b.UUID))
		})
		rows := make([]drainRow, len(refs))
		for i, ref := range refs {
			rows[i].ref = ref
		}
		if err := adoptRunning(ctx, c, ns, rows); err != nil {
			return err
		}
		if len(rows) == 0 {
			fmt.Fprintf(progress, "computehost/%s has no instances\n", host)
		}

		runDrain(ctx, c, ns, host, to, rows, maxConcurrent, wait, progress)

		if printObj != nil {
			list := &novav1.LiveMigrationList{}
			for _, r := range rows {
				if r.lm != nil {
					lm := *r.lm
					// kubectl get prints every item with its kind.
					lm.TypeMeta = metav1.TypeMeta{APIVersion: novav1.GroupVersion.String(), Kind: "LiveMigration"}
					list.Items = append(list.Items, lm)
				}
			}
			if err := printObj(list, out); err != nil {
				return err
			}
		} else if len(rows) > 0 {
			if err := drainTable(out, rows); err != nil {
				return err
			}
		}
		if err := drainOutcome(rows, wait); err != nil || !wait {
			return err
		}
		return awaitEmpty(ctx, c, host, progress)
	}
	cmd.Flags().IntVar(&maxConcurrent, "max-concurrent", defaultMaxConcurrent, "most LiveMigrations unfinished at a time; 0: all at once")
	cmd.Flags().BoolVar(&wait, "wait", true, "wait for every migration to end and the host to be empty")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up after this long (0: no limit); running migrations go on")
	cmd.Flags().StringVar(&reason, "reason", "", "disabled reason (default \""+defaultDrainReason+"\", or the host's current one)")
	cmd.Flags().StringVar(&to, "to", "", "destination of every migration; default: the scheduler picks each")
	return cmd
}

// adoptRunning fills in the unfinished LiveMigrations that already move an
// instance of rows, by UUID or name, so that a drain run again after an
// interruption follows them instead of starting a second migration.
func adoptRunning(ctx context.Context, c client.Client, ns string, rows []drainRow) error {
	var list novav1.LiveMigrationList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return err
	}
	for i := range rows {
		for j := range list.Items {
			lm := &list.Items[j]
			if !lm.Status.Phase.Finished() && (forInstance(lm, rows[i].ref.UUID) || (rows[i].ref.Name != "" && lm.Spec.Instance == rows[i].ref.Name)) {
				rows[i].lm, rows[i].adopted = lm, true
				break
			}
		}
	}
	return nil
}

// runDrain creates (or adopts) each row's LiveMigration and follows it, at
// most maxConcurrent (0: all) unfinished at a time. Without wait it returns
// once the last one is created. It stops starting new ones when ctx ends.
func runDrain(ctx context.Context, c client.WithWatch, ns, host, to string, rows []drainRow, maxConcurrent int, wait bool, progress io.Writer) {
	if maxConcurrent == 0 {
		maxConcurrent = max(len(rows), 1)
	}
	// Without wait, following is only needed to free slots; it stops once
	// every LiveMigration exists.
	followCtx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	slots := make(chan struct{}, maxConcurrent)
	var created, done sync.WaitGroup
	created.Add(len(rows))
	for i := range rows {
		r := &rows[i]
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			r.err = fmt.Errorf("not started: %w", context.Cause(ctx))
			created.Done()
			continue
		}
		if r.lm == nil {
			lm := newLiveMigration(ns, r.ref.UUID, cmp.Or(r.ref.Name, r.ref.UUID), to)
			lm.Labels[labelDrain] = host
			if len(validation.IsValidLabelValue(host)) != 0 {
				delete(lm.Labels, labelDrain)
			}
			if err := c.Create(ctx, lm); err != nil {
				r.err = fmt.Errorf("create LiveMigration: %w", err)
				fmt.Fprintf(progress, "%s (%s): %v\n", orDash(r.ref.Name), r.ref.UUID, r.err)
				<-slots
				created.Done()
				continue
			}
			r.lm = lm
			fmt.Fprintf(progress, "livemigration.novanats.io/%s created for %s (%s)\n", lm.Name, orDash(r.ref.Name), r.ref.UUID)
		} else {
			fmt.Fprintf(progress, "livemigration.novanats.io/%s already moves %s (%s): following it\n", r.lm.Name, orDash(r.ref.Name), r.ref.UUID)
		}
		created.Done()
		done.Add(1)
		go func() {
			defer done.Done()
			defer func() { <-slots }()
			// Lines, not bars: several migrations share the output.
			view := newProgressView(progress, false)
			final, err := followMigration(followCtx, c, r.lm, 0, view.show)
			if final != nil && final.Name != "" {
				r.lm = final
			}
			// Stopped on purpose (--wait=false, every LiveMigration
			// created) is no error; a timeout or Ctrl-C is.
			if err != nil && (followCtx.Err() == nil || ctx.Err() != nil) {
				r.err = err
			}
		}()
	}
	created.Wait()
	if !wait {
		stopFollowing()
	}
	done.Wait()
}

// drainTable reports each instance: its LiveMigration, how it ended, where
// the instance went, and why not.
func drainTable(out io.Writer, rows []drainRow) error {
	tw := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tUUID\tLIVEMIGRATION\tPHASE\tTARGET\tREASON")
	for _, r := range rows {
		name, phase, target, why := "-", "-", "-", ""
		if r.lm != nil {
			name, phase, target, why = r.lm.Name, string(phaseOf(r.lm)), orDash(r.lm.Status.TargetHost), r.lm.Status.Reason
		}
		if r.err != nil {
			why = r.err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", orDash(r.ref.Name), r.ref.UUID, name, phase, target, orDash(why))
	}
	return tw.Flush()
}

// drainOutcome is nil when every instance moved (without wait: when every
// LiveMigration was created), else one error counting those that did not.
func drainOutcome(rows []drainRow, waited bool) error {
	var failed []string
	for _, r := range rows {
		ok := r.err == nil && r.lm != nil && (!waited || r.lm.Status.Phase == novav1.PhaseSucceeded)
		if !ok {
			failed = append(failed, cmp.Or(r.ref.Name, r.ref.UUID))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return withCode(exitError, fmt.Errorf("%d of %d instances not moved: %s", len(failed), len(rows), strings.Join(failed, ", ")))
}

// awaitEmpty waits until the controller reports no instance on host,
// which confirms the drain from nova's side rather than from the
// LiveMigrations' phases alone.
func awaitEmpty(ctx context.Context, c client.WithWatch, host string, progress io.Writer) error {
	wctx, cancel := context.WithTimeout(ctx, applyTimeout)
	defer cancel()
	key := &novav1.ComputeHost{ObjectMeta: metav1.ObjectMeta{Name: host}}
	ch, err := until(wctx, c, key, &novav1.ComputeHostList{}, "computehost", func(h *novav1.ComputeHost) (bool, error) {
		return h.Status.Instances == 0 && len(h.Status.InstanceRefs) == 0, nil
	})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			var names []string
			for _, r := range ch.Status.InstanceRefs {
				names = append(names, cmp.Or(r.Name, r.UUID))
			}
			return withCode(exitError, fmt.Errorf("computehost %s still has %d instances (%s); kubectl nova drain %s again moves them",
				host, ch.Status.Instances, strings.Join(names, ", "), host))
		}
		return err
	}
	fmt.Fprintf(progress, "computehost/%s drained\n", host)
	return nil
}

// syncWriter serialises writes, so lines from concurrent migrations do
// not interleave mid-line (each line is one Write).
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
