package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
	"github.com/novanats/novanats/internal/cliutil"
)

// errDeleted: the object went away while being followed.
var errDeleted = errors.New("deleted")

// until follows one object (obj names it: namespace and name; list is the
// matching list type) and calls cond with each version, the current one
// first, until cond says done or fails, or ctx ends. It runs an informer,
// as `kubectl wait` does: list, then watch from the list's resourceVersion,
// and a dropped watch resumes where it was, so no change is missed and
// nothing polls. what names the kind in errors.
func until[O client.Object](ctx context.Context, c client.WithWatch, obj O, list client.ObjectList, what string, cond func(O) (bool, error)) (O, error) {
	sel := fields.OneTermEqualSelector("metadata.name", obj.GetName()).String()
	opts := func(o metav1.ListOptions) *client.ListOptions {
		o.FieldSelector = sel
		return &client.ListOptions{Namespace: obj.GetNamespace(), Raw: &o}
	}
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			l := list.DeepCopyObject().(client.ObjectList)
			return l, c.List(ctx, l, opts(o))
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return c.Watch(ctx, list.DeepCopyObject().(client.ObjectList), opts(o))
		},
	}
	last := obj
	exists := func(store cache.Store) (bool, error) {
		if _, ok, err := store.Get(obj); err != nil {
			return false, err
		} else if !ok {
			return false, withCode(exitNotFound, fmt.Errorf("%s %q not found", what, obj.GetName()))
		}
		return false, nil
	}
	_, err := watchtools.UntilWithSync(ctx, lw, obj, exists, func(ev watch.Event) (bool, error) {
		switch ev.Type {
		case watch.Deleted:
			return false, fmt.Errorf("%s %s: %w", what, obj.GetName(), errDeleted)
		case watch.Added, watch.Modified:
			o, ok := ev.Object.(O)
			if !ok {
				return false, nil
			}
			last = o
			return cond(o)
		}
		return false, nil
	})
	if err != nil && ctx.Err() != nil {
		// UntilWithSync reports an ended context as a generic timeout;
		// the context says which (deadline or Ctrl-C).
		err = ctx.Err()
	}
	return last, err
}

// followMigration follows a LiveMigration until it finishes, showing each
// version with show, and returns the final version. timeout 0 waits as
// long as ctx. An unfinished migration is not touched when following
// stops: the error says how to stop it.
func followMigration(ctx context.Context, c client.WithWatch, lm *novav1.LiveMigration, timeout time.Duration, show func(*novav1.LiveMigration)) (*novav1.LiveMigration, error) {
	wctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	key := &novav1.LiveMigration{ObjectMeta: metav1.ObjectMeta{Namespace: lm.Namespace, Name: lm.Name}}
	final, err := until(wctx, c, key, &novav1.LiveMigrationList{}, "livemigration", func(m *novav1.LiveMigration) (bool, error) {
		show(m)
		return m.Status.Phase.Finished(), nil
	})
	switch {
	case err == nil:
		return final, nil
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return final, fmt.Errorf("timed out after %s waiting for livemigration %s (phase %s); it goes on: kubectl nova abort %s stops it",
			timeout, lm.Name, phaseOf(final), lm.Name)
	case errors.Is(err, context.Canceled):
		return final, fmt.Errorf("stopped following livemigration %s (phase %s); it goes on: kubectl nova abort %s stops it",
			lm.Name, phaseOf(final), lm.Name)
	case errors.Is(err, errDeleted):
		// Deleting an unfinished LiveMigration aborts it (finalizer).
		return final, fmt.Errorf("livemigration %s was deleted before it finished, which aborts it", lm.Name)
	}
	return final, err
}

// migrationOutcome is nil when the migration succeeded, else its phase and
// reason as the error (exit 1).
func migrationOutcome(lm *novav1.LiveMigration) error {
	if lm.Status.Phase == novav1.PhaseSucceeded {
		return nil
	}
	return withCode(exitError, fmt.Errorf("livemigration %s %s: %s", lm.Name, lm.Status.Phase, orDash(lm.Status.Reason)))
}

// phaseOf is the phase shown for a LiveMigration the controller has not
// picked up yet (empty status) as Pending, what it is.
func phaseOf(lm *novav1.LiveMigration) novav1.LiveMigrationPhase {
	if lm == nil || lm.Status.Phase == "" {
		return novav1.PhasePending
	}
	return lm.Status.Phase
}

// progressView shows a LiveMigration as it changes: a line per phase,
// and the memory copy as a progress bar on a terminal or, elsewhere, a
// line every 10%.
type progressView struct {
	out     io.Writer
	tty     bool
	bar     *progressbar.ProgressBar
	phase   novav1.LiveMigrationPhase
	printed int32 // last percent printed as a line; -1 none
}

func newProgressView(out io.Writer, tty bool) *progressView {
	return &progressView{out: out, tty: tty, printed: -1}
}

func (v *progressView) show(lm *novav1.LiveMigration) {
	st := &lm.Status
	phase := phaseOf(lm)
	copying := phase == novav1.PhaseRunning || phase == novav1.PhasePostCopy
	if pr := st.Progress; copying && pr != nil && pr.MemoryTotalBytes > 0 {
		pct := percent(pr)
		desc := fmt.Sprintf("%s of %s remaining, %s sent", cliutil.BytesIEC(pr.MemoryRemainingBytes), cliutil.BytesIEC(pr.MemoryTotalBytes), cliutil.BytesIEC(pr.MemoryProcessedBytes))
		if phase != v.phase {
			v.phaseLine(lm, phase)
		}
		if v.tty {
			if v.bar == nil {
				v.bar = progressbar.NewOptions(100, progressbar.OptionSetWriter(v.out), progressbar.OptionSetWidth(30),
					progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionSetPredictTime(false))
			}
			v.bar.Describe(desc)
			_ = v.bar.Set(int(pct))
		} else if pct >= v.printed+10 || (pct == 100 && v.printed != 100) {
			fmt.Fprintf(v.out, "%s: %3d%% %s\n", lm.Name, pct, desc)
			v.printed = pct
		}
		return
	}
	if phase != v.phase {
		v.phaseLine(lm, phase)
	}
}

// phaseLine ends the bar, if any, and prints the new phase with the hosts,
// and for a final phase how long it took or why it failed.
func (v *progressView) phaseLine(lm *novav1.LiveMigration, phase novav1.LiveMigrationPhase) {
	if v.bar != nil {
		// A full bar only for a migration that completed; otherwise the
		// bar stays where the copy stopped.
		if phase == novav1.PhaseSucceeded {
			if pr := lm.Status.Progress; pr != nil {
				v.bar.Describe(fmt.Sprintf("%s copied, %s sent", cliutil.BytesIEC(pr.MemoryTotalBytes), cliutil.BytesIEC(pr.MemoryProcessedBytes)))
			}
			_ = v.bar.Finish()
		} else {
			_ = v.bar.Exit()
		}
		fmt.Fprintln(v.out)
		v.bar = nil
	}
	v.phase = phase
	st := &lm.Status
	line := fmt.Sprintf("%s: %s", lm.Name, phase)
	if st.SourceHost != "" || st.TargetHost != "" {
		line += fmt.Sprintf(" (%s -> %s)", orDash(st.SourceHost), orDash(st.TargetHost))
	}
	switch phase {
	case novav1.PhaseSucceeded:
		line += " in " + took(lm)
	case novav1.PhaseFailed, novav1.PhaseCancelled:
		line += ": " + orDash(st.Reason)
	}
	fmt.Fprintln(v.out, line)
}

// took is from creation to the final phase transition. The API's
// timestamps have whole seconds.
func took(lm *novav1.LiveMigration) string {
	ts := lm.Status.PhaseTransitions
	if len(ts) == 0 {
		return "?"
	}
	d := ts[len(ts)-1].Time.Sub(lm.CreationTimestamp.Time).Round(time.Second)
	if d < time.Second {
		return "under 1s"
	}
	return d.String()
}

// percent is the controller's Percent when it reported one (with its
// Summary), else the share of memory no longer remaining. Not processed
// over total: processed counts pages sent again after the guest dirtied
// them, and goes past total when a migration does not converge.
func percent(p *novav1.MigrationProgress) int32 {
	if p.Summary != "" || p.MemoryTotalBytes == 0 {
		return p.Percent
	}
	return int32(100 * max(0, min(p.MemoryTotalBytes, p.MemoryTotalBytes-p.MemoryRemainingBytes)) / p.MemoryTotalBytes)
}

// orDash shows an empty value as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
