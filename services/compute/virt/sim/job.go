package sim

import (
	"sync"

	"github.com/novanats/novanats/services/compute/virt"
)

// job is the control and status block of one outgoing live migration,
// shared between the goroutine running LiveMigration and callers of
// LiveMigrationAbort / LiveMigrationForceComplete / LiveMigrationStats.
type job struct {
	mu             sync.Mutex
	stats          virt.JobStats
	forceComplete  int  // queued force-complete requests (nova: active_migrations deque)
	abortRequested bool // set once; the monitor honours it unless in post-copy
	postCopy       bool
	done           bool
	wake           chan struct{} // closed on abort to interrupt the monitor's wait
}

func newJob() *job {
	return &job{wake: make(chan struct{}), stats: virt.JobStats{Phase: virt.PhaseNone}}
}

func (j *job) snapshot() virt.JobStats {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.stats
}

func (j *job) publish(s virt.JobStats) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.stats = s
}

func (j *job) requestAbort() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.done:
		return virt.ErrNoActiveMigration
	case j.postCopy:
		return virt.ErrPostCopyAbort
	case !j.abortRequested:
		j.abortRequested = true
		close(j.wake)
	}
	return nil
}

func (j *job) requestForceComplete() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.done {
		return virt.ErrNoActiveMigration
	}
	j.forceComplete++
	return nil
}

func (j *job) takeForceCompletes() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := j.forceComplete
	j.forceComplete = 0
	return n
}

func (j *job) aborting() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.abortRequested
}

// enterPostCopy commits the switch unless an abort got in first: an abort
// accepted by LiveMigrationAbort must be honoured.
func (j *job) enterPostCopy() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.abortRequested {
		return false
	}
	j.postCopy = true
	return true
}

// finish records the terminal stats. For a completion, it fails (returns
// false) if an abort was accepted before the switch-over was committed.
func (j *job) finish(s virt.JobStats, completing bool) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if completing && j.abortRequested && !j.postCopy {
		return false
	}
	j.stats, j.done = s, true
	return true
}
