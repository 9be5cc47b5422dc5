package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/novanats/novanats/services/compute/virt"
)

// The transfer model: what QEMU does with the migration stream, in
// continuous clock time. It knows nothing about nova; the monitor loop
// (monitor.go) drives it and applies nova's policy to it.

const (
	// Float tolerances: a stage whose remaining bytes fall below
	// byteEpsilon is finished; times within timeEpsilon are equal.
	byteEpsilon = 0.5
	timeEpsilon = 1e-9

	// QEMU's default downtime-limit, in force until nova sets the first
	// downtime step.
	qemuDefaultDowntime = 300 * time.Millisecond

	// QEMU auto-converge defaults: cpu-throttle-initial,
	// cpu-throttle-increment, and the maximum throttle.
	throttleInitialPct   = 20
	throttleIncrementPct = 10
	throttleMaxPct       = 99
)

type stage int

const (
	stageDisk stage = iota
	stagePreCopy
	stageStopAndCopy
	stagePostCopy
	stageDone
)

func (s stage) phase() virt.JobPhase {
	switch s {
	case stageDisk:
		return virt.PhaseDisk
	case stagePreCopy:
		return virt.PhasePreCopy
	case stageStopAndCopy:
		return virt.PhaseStopAndCopy
	case stagePostCopy:
		return virt.PhasePostCopy
	}
	return virt.PhaseCompleted
}

type transferParams struct {
	bandwidth    float64 // bytes/s
	memory       float64 // bytes
	disk         float64 // bytes copied by block migration, 0 if none
	dirtyRate    float64 // bytes/s the workload dirties, unthrottled
	autoConverge bool
	paused       bool // guest already paused before the migration
}

func (p transferParams) validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !(p.bandwidth > 0) || !finite(p.bandwidth):
		return fmt.Errorf("%w: migration bandwidth must be > 0 bytes/s, got %v", virt.ErrInvalidInput, p.bandwidth)
	case !(p.memory > 0) || !finite(p.memory):
		return fmt.Errorf("%w: guest memory must be > 0 bytes, got %v", virt.ErrInvalidInput, p.memory)
	case !(p.disk >= 0) || !finite(p.disk):
		return fmt.Errorf("%w: disk to copy must be >= 0 bytes, got %v", virt.ErrInvalidInput, p.disk)
	case !(p.dirtyRate >= 0) || !finite(p.dirtyRate):
		return fmt.Errorf("%w: dirty rate must be >= 0 bytes/s, got %v", virt.ErrInvalidInput, p.dirtyRate)
	}
	return nil
}

type transferModel struct {
	bw        float64
	memTotal  float64
	diskTotal float64
	baseDirty float64 // workload dirty rate before throttling
	hotSet    float64 // bytes the workload keeps re-dirtying (<= memTotal)

	autoConverge  bool
	throttle      int     // percent of CPU time taken from the guest
	downtimeLimit float64 // seconds

	stage     stage
	t         float64 // seconds since the migration started
	iteration int     // memory pass, 1-based
	left      float64 // bytes the current stage or pass still has to send
	dirtied   float64 // bytes dirtied since the current pass started
	memSent   float64
	diskSent  float64

	paused   bool    // guest not running on the source
	pausedAt float64 // when the migration paused it; <0 if it did not
	stopAt   float64 // when the guest stopped for good on the source
	downtime float64 // guest-visible downtime, seconds
	postCopy bool
}

func newTransferModel(p transferParams) (*transferModel, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	m := &transferModel{
		bw:            p.bandwidth,
		memTotal:      p.memory,
		diskTotal:     p.disk,
		baseDirty:     p.dirtyRate,
		hotSet:        p.memory,
		autoConverge:  p.autoConverge,
		downtimeLimit: qemuDefaultDowntime.Seconds(),
		paused:        p.paused,
		pausedAt:      -1,
	}
	if m.diskTotal > 0 {
		m.stage, m.left = stageDisk, m.diskTotal
	} else {
		m.startMemory()
	}
	return m, nil
}

func (m *transferModel) done() bool    { return m.stage == stageDone }
func (m *transferModel) sent() float64 { return m.memSent + m.diskSent }

// dirtyRate is what the guest dirties now: nothing while paused or once it
// stopped on the source; throttled by auto-converge otherwise.
func (m *transferModel) dirtyRate() float64 {
	if m.paused || m.stage != stagePreCopy && m.stage != stageDisk {
		return 0
	}
	return m.baseDirty * float64(100-m.throttle) / 100
}

// timeToEvent is the time until the current stage or pass ends.
func (m *transferModel) timeToEvent() float64 {
	if m.done() {
		return math.Inf(1)
	}
	if m.left <= byteEpsilon {
		return 0
	}
	return m.left / m.bw
}

// advance runs the transfer for dt seconds, crossing as many pass and stage
// boundaries as fall inside.
func (m *transferModel) advance(dt float64) {
	for {
		m.settle()
		if m.done() || dt <= 0 {
			return
		}
		step := min(dt, m.timeToEvent())
		m.transfer(step)
		dt -= step
	}
}

func (m *transferModel) transfer(dt float64) {
	sent := min(m.left, m.bw*dt)
	m.left -= sent
	if m.stage == stageDisk {
		m.diskSent += sent
	} else {
		m.memSent += sent
	}
	// Dirty pages are only tracked once memory migration started: the
	// first pass sends everything anyway.
	if m.stage == stagePreCopy {
		m.dirtied = min(m.hotSet, m.dirtied+m.dirtyRate()*dt)
	}
	m.t += dt
}

// settle processes the boundaries reached at the current time.
func (m *transferModel) settle() {
	for !m.done() && m.left <= byteEpsilon {
		m.left = 0
		switch m.stage {
		case stageDisk:
			m.startMemory()
		case stagePreCopy:
			m.endPass()
		case stageStopAndCopy, stagePostCopy:
			m.stage = stageDone
			if !m.postCopy {
				m.downtime = m.t - m.stopAt
			}
		}
	}
}

func (m *transferModel) startMemory() {
	m.stage, m.iteration, m.left, m.dirtied = stagePreCopy, 1, m.memTotal, 0
}

// endPass is QEMU's convergence test at a dirty-bitmap sync: if what the
// pass left dirty can be sent within the allowed downtime, stop the guest
// and send it; otherwise start another pass over it.
func (m *transferModel) endPass() {
	pending := m.dirtied
	if pending <= m.bw*m.downtimeLimit+byteEpsilon {
		m.stage, m.left = stageStopAndCopy, pending
		m.stopAt = m.t
		if m.pausedAt >= 0 {
			m.stopAt = m.pausedAt // the guest has not run since the pause
		}
		m.paused = true
		return
	}
	m.iteration++
	m.left, m.dirtied = pending, 0
	if m.autoConverge {
		m.throttle = nextThrottle(m.throttle)
	}
}

// nextThrottle is QEMU's auto-converge step: 20 %, then +10 %, at most 99 %.
func nextThrottle(pct int) int {
	if pct == 0 {
		return throttleInitialPct
	}
	return min(pct+throttleIncrementPct, throttleMaxPct)
}

func (m *transferModel) setDowntimeLimit(d time.Duration) { m.downtimeLimit = d.Seconds() }

// setWorkload updates the guest's dirty rate (bytes/s) and working set
// (bytes, 0 for all memory) between steps.
func (m *transferModel) setWorkload(bytesPerSec, workingSet float64) {
	m.baseDirty = bytesPerSec
	m.hotSet = m.memTotal
	if workingSet > 0 {
		m.hotSet = min(workingSet, m.memTotal)
	}
}

// pause stops the guest's vCPUs (force-complete without post-copy).
func (m *transferModel) pause() {
	if m.paused {
		return
	}
	m.paused, m.pausedAt = true, m.t
}

// canStartPostCopy: QEMU switches only while iterating over memory.
func (m *transferModel) canStartPostCopy() bool { return m.stage == stagePreCopy }

// startPostCopy moves execution to the destination: what is still dirty on
// the source — the rest of this pass plus what it re-dirtied — is pulled
// from there; the source guest no longer runs, so nothing new is dirtied.
func (m *transferModel) startPostCopy() {
	m.stage, m.postCopy = stagePostCopy, true
	m.left, m.dirtied = min(m.memTotal, m.left+m.dirtied), 0
	m.stopAt = m.t
	if m.pausedAt >= 0 {
		m.downtime = m.t - m.pausedAt // paused until it resumed on dest
	}
	m.paused = true
}

// stats reports the model as libvirt job stats would.
func (m *transferModel) stats() virt.JobStats {
	memRemaining := m.left
	diskRemaining := 0.0
	switch m.stage {
	case stageDisk:
		memRemaining, diskRemaining = m.memTotal, m.left
	case stageDone:
		memRemaining = 0
	}
	s := virt.JobStats{
		Phase:                m.stage.phase(),
		Elapsed:              seconds(m.t),
		MemoryTotal:          int64(m.memTotal),
		MemoryProcessed:      int64(m.memSent),
		MemoryRemaining:      int64(math.Ceil(memRemaining)),
		DiskTotal:            int64(m.diskTotal),
		DiskProcessed:        int64(m.diskSent),
		DiskRemaining:        int64(math.Ceil(diskRemaining)),
		MemoryIteration:      m.iteration,
		DirtyRate:            int64(m.dirtyRate()),
		DowntimeLimit:        seconds(m.downtimeLimit),
		PostCopy:             m.postCopy,
		AutoConverge:         m.autoConverge,
		AutoConvergeThrottle: m.throttle,
	}
	if !m.done() {
		s.TransferRate = int64(m.bw)
	}
	if m.done() || m.postCopy {
		s.Downtime = seconds(m.downtime)
	}
	s.DataTotal = s.MemoryTotal + s.DiskTotal
	s.DataProcessed = s.MemoryProcessed + s.DiskProcessed
	s.DataRemaining = s.MemoryRemaining + s.DiskRemaining
	return s
}

// seconds converts model time to a Duration, rounded to the nanosecond.
func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
