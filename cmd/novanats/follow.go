package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/compute/virt"
)

// isTerminal says whether w is a terminal (progress bars) or a pipe or
// file (plain lines).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// finalMigration reports whether status ends a migration.
func finalMigration(s objects.MigrationStatus) bool {
	switch s {
	case objects.MigrationCompleted, objects.MigrationFailed, objects.MigrationError, objects.MigrationCancelled:
		return true
	}
	return false
}

// followMigration follows a migration to its end: every status change as
// it is stored (a watch, no polling), and live progress on a terminal as a
// bar showing memory remaining, dirty rate and transfer rate. stats, when
// not nil, reads the hypervisor's job (in-process clouds); otherwise the
// progress is the memory counters the compute saves.
func followMigration(ctx context.Context, out io.Writer, st *store.Store, id int, stats func() (virt.JobStats, bool)) (*objects.Migration, error) {
	updates, err := st.Migrations.Watch(ctx, id)
	if err != nil {
		return nil, err
	}
	tty := isTerminal(out)
	var bar *progressbar.ProgressBar
	ticker := time.NewTicker(200 * time.Millisecond) // display refresh, not synchronisation
	defer ticker.Stop()
	lastLine := time.Time{}
	var last objects.MigrationStatus
	var mig *objects.Migration
	for {
		select {
		case <-ctx.Done():
			return mig, ctx.Err()
		case u, ok := <-updates:
			if !ok {
				return mig, fmt.Errorf("migration %d: stopped following: %v", id, ctx.Err())
			}
			if u.Err != nil || u.Value == nil {
				continue
			}
			mig = u.Value
			status, _ := mig.Status.Lookup()
			if status != last {
				if bar != nil {
					_ = bar.Clear()
				}
				fmt.Fprintf(out, "  migration %s: %s (%s -> %s)\n", mig.UUID.Get(), status, mig.SourceCompute.Get(), mig.DestCompute.Get())
				last = status
			}
			if finalMigration(status) {
				if bar != nil {
					_ = bar.Finish()
					fmt.Fprintln(out)
				}
				return mig, nil
			}
		case <-ticker.C:
			if mig == nil || (last != objects.MigrationRunning && last != objects.MigrationPostCopy) {
				continue
			}
			js, ok := jobOf(mig, stats)
			if !ok || js.MemoryTotal == 0 {
				continue
			}
			desc := fmt.Sprintf("remaining %s · dirty %s/s · transfer %s/s · pass %d", bytesIEC(js.MemoryRemaining), bytesIEC(js.DirtyRate), bytesIEC(js.TransferRate), js.MemoryIteration)
			if tty {
				if bar == nil {
					bar = progressbar.NewOptions64(100, progressbar.OptionSetWriter(out), progressbar.OptionSetWidth(30),
						progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionSetPredictTime(false))
				}
				bar.Describe(desc)
				_ = bar.Set64(int64(js.ProgressPercent()))
			} else if time.Since(lastLine) >= time.Second {
				fmt.Fprintf(out, "  %3d%% %s\n", js.ProgressPercent(), desc)
				lastLine = time.Now()
			}
		}
	}
}

// jobOf is the live job from the hypervisor when available, else what the
// compute last saved on the migration.
func jobOf(mig *objects.Migration, stats func() (virt.JobStats, bool)) (virt.JobStats, bool) {
	if stats != nil {
		if js, ok := stats(); ok {
			return js, true
		}
	}
	total, ok := mig.MemoryTotal.Lookup()
	if !ok {
		return virt.JobStats{}, false
	}
	return virt.JobStats{MemoryTotal: int64(total), MemoryRemaining: int64(mig.MemoryRemaining.Get()),
		MemoryProcessed: int64(mig.MemoryProcessed.Get())}, true
}

// bytesIEC renders a byte count as KiB/MiB/GiB.
func bytesIEC(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
