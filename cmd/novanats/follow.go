package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/novanats/novanats/internal/cliutil"
	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/compute/virt"
)

// isTerminal says whether w is a terminal (progress bars) or a pipe or
// file (plain lines).
func isTerminal(w io.Writer) bool { return cliutil.IsTerminal(w) }

// finalMigration reports whether status ends a migration.
func finalMigration(s objects.MigrationStatus) bool {
	switch s {
	case objects.MigrationCompleted, objects.MigrationFailed, objects.MigrationError, objects.MigrationCancelled:
		return true
	}
	return false
}

// followMigration follows one migration to its end (see follower).
func followMigration(ctx context.Context, out io.Writer, st *store.Store, id int, stats func(*objects.Migration) (virt.JobStats, bool)) (*objects.Migration, error) {
	f := newFollower(ctx, out, st, stats)
	defer f.close()
	if err := f.add(id); err != nil {
		return nil, err
	}
	return f.next()
}

// follower follows migrations to their end: every status change as it is
// stored (a watch, no polling), and live progress on a terminal as one
// bar, showing memory remaining, dirty rate and transfer rate of a
// running migration and, when it follows several, how many have ended.
// Anywhere else the progress is a plain line a second. stats, when not
// nil, reads the hypervisor's job (in-process clouds); otherwise the
// progress is the memory counters the compute saves on the migration.
type follower struct {
	ctx    context.Context
	cancel context.CancelFunc
	out    io.Writer
	st     *store.Store
	stats  func(*objects.Migration) (virt.JobStats, bool)
	tty    bool
	// several labels progress with the migration's uuid from the first
	// one on, for a caller that adds more than one over time.
	several bool

	updates  chan followed
	ids      []int                      // in the order added
	migs     map[int]*objects.Migration // latest record of each
	last     map[int]objects.MigrationStatus
	ended    map[int]bool
	bar      *progressbar.ProgressBar
	lastLine time.Time
	lines    map[int]string // the last progress line of each
}

// followed is one migration's update, or the end of its watch.
type followed struct {
	id     int
	u      db.Update[*objects.Migration]
	closed bool
}

func newFollower(ctx context.Context, out io.Writer, st *store.Store, stats func(*objects.Migration) (virt.JobStats, bool)) *follower {
	ctx, cancel := context.WithCancel(ctx)
	return &follower{ctx: ctx, cancel: cancel, out: out, st: st, stats: stats, tty: isTerminal(out),
		updates: make(chan followed), migs: map[int]*objects.Migration{}, last: map[int]objects.MigrationStatus{}, ended: map[int]bool{}, lines: map[int]string{}}
}

// close stops the watches.
func (f *follower) close() { f.cancel() }

// add starts following migration id.
func (f *follower) add(id int) error {
	ch, err := f.st.Migrations.Watch(f.ctx, id)
	if err != nil {
		return err
	}
	f.ids = append(f.ids, id)
	go func() {
		for u := range ch {
			select {
			case f.updates <- followed{id: id, u: u}:
			case <-f.ctx.Done():
				return
			}
		}
		select {
		case f.updates <- followed{id: id, closed: true}:
		case <-f.ctx.Done():
		}
	}()
	return nil
}

// many says whether progress names each migration.
func (f *follower) many() bool { return f.several || len(f.ids) > 1 }

// pending is how many followed migrations have not ended.
func (f *follower) pending() int { return len(f.ids) - len(f.ended) }

// next shows progress until one followed migration ends, and returns it.
func (f *follower) next() (*objects.Migration, error) {
	if f.pending() == 0 {
		return nil, fmt.Errorf("no migration left to follow")
	}
	ticker := time.NewTicker(200 * time.Millisecond) // display refresh, not synchronisation
	defer ticker.Stop()
	for {
		select {
		case <-f.ctx.Done():
			return nil, f.ctx.Err()
		case x := <-f.updates:
			if x.closed {
				if f.ended[x.id] {
					continue
				}
				return f.migs[x.id], fmt.Errorf("migration %d: stopped following: %v", x.id, f.ctx.Err())
			}
			if x.u.Err != nil || x.u.Value == nil || f.ended[x.id] {
				continue
			}
			mig := x.u.Value
			f.migs[x.id] = mig
			status, _ := mig.Status.Lookup()
			if status != f.last[x.id] {
				if f.bar != nil {
					_ = f.bar.Clear()
				}
				fmt.Fprintf(f.out, "  migration %s: %s (%s -> %s)\n", mig.UUID.Get(), status, mig.SourceCompute.Get(), mig.DestCompute.Get())
				f.last[x.id] = status
			}
			if finalMigration(status) {
				f.ended[x.id] = true
				if f.bar != nil && f.pending() == 0 {
					if f.many() {
						f.bar.Describe(fmt.Sprintf("%d/%d ended", len(f.ended), len(f.ids)))
					}
					_ = f.bar.Finish()
					fmt.Fprintln(f.out)
					f.bar = nil
				}
				return mig, nil
			}
		case <-ticker.C:
			f.progress()
		}
	}
}

// progress draws the bar, or prints the plain lines, of the running
// migrations.
func (f *follower) progress() {
	type job struct {
		mig  *objects.Migration
		js   virt.JobStats
		live bool
	}
	var running []job
	sum := 0
	for _, id := range f.ids {
		if f.ended[id] {
			sum += 100
			continue
		}
		mig := f.migs[id]
		if s := f.last[id]; mig == nil || (s != objects.MigrationRunning && s != objects.MigrationPostCopy) {
			continue
		}
		js, live, ok := jobOf(mig, f.stats)
		if !ok || js.MemoryTotal == 0 {
			continue
		}
		running = append(running, job{mig, js, live})
		sum += js.ProgressPercent()
	}
	if len(running) == 0 {
		return
	}
	// The hypervisor's job has the rates; the counters the compute saves
	// (every live_migration stats interval) have only the memory.
	describe := func(r job) string {
		if !r.live {
			return fmt.Sprintf("remaining %s of %s", bytesIEC(r.js.MemoryRemaining), bytesIEC(r.js.MemoryTotal))
		}
		return fmt.Sprintf("remaining %s · dirty %s/s · transfer %s/s · pass %d", bytesIEC(r.js.MemoryRemaining), bytesIEC(r.js.DirtyRate), bytesIEC(r.js.TransferRate), r.js.MemoryIteration)
	}
	many := f.many()
	if !f.tty {
		// A line a second at most, and only when it says something new.
		if time.Since(f.lastLine) < time.Second {
			return
		}
		f.lastLine = time.Now()
		for _, r := range running {
			line := fmt.Sprintf("  %3d%% %s", r.js.ProgressPercent(), describe(r))
			if many {
				line = fmt.Sprintf("  migration %s: %d%% %s", r.mig.UUID.Get(), r.js.ProgressPercent(), describe(r))
			}
			if id := r.mig.ID.Get(); line != f.lines[id] {
				fmt.Fprintln(f.out, line)
				f.lines[id] = line
			}
		}
		return
	}
	max := int64(100 * len(f.ids))
	if f.bar == nil {
		f.bar = progressbar.NewOptions64(max, progressbar.OptionSetWriter(f.out), progressbar.OptionSetWidth(30),
			progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionSetPredictTime(false))
	} else if f.bar.GetMax64() != max {
		f.bar.ChangeMax64(max)
	}
	desc := describe(running[0])
	if many {
		desc = fmt.Sprintf("%d/%d ended · %d running · %s", len(f.ended), len(f.ids), len(running), desc)
	}
	f.bar.Describe(desc)
	_ = f.bar.Set64(int64(sum))
}

// jobOf is the live job from the hypervisor when available (live), else
// the memory counters the compute last saved on the migration.
func jobOf(mig *objects.Migration, stats func(*objects.Migration) (virt.JobStats, bool)) (js virt.JobStats, live, ok bool) {
	if stats != nil {
		if js, ok := stats(mig); ok {
			return js, true, true
		}
	}
	total, ok := mig.MemoryTotal.Lookup()
	if !ok {
		return virt.JobStats{}, false, false
	}
	return virt.JobStats{MemoryTotal: int64(total), MemoryRemaining: int64(mig.MemoryRemaining.Get()),
		MemoryProcessed: int64(mig.MemoryProcessed.Get())}, false, true
}

// bytesIEC renders a byte count as KiB/MiB/GiB.
func bytesIEC(n int64) string { return cliutil.BytesIEC(n) }
