package sim

import (
	"errors"
	"testing"
	"time"

	"github.com/novanats/novanats/services/compute/virt"
)

const mib = virt.MiB

func newModel(t *testing.T, p transferParams) *transferModel {
	t.Helper()
	m, err := newTransferModel(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A converging guest, worked out by hand: 1 GiB at 1 GiB/s, dirtying
// 256 MiB/s, 50 ms allowed. Pass 1 takes 1 s and leaves 256 MiB dirty
// (250 ms to send: too long); pass 2 takes 0.25 s and leaves 64 MiB
// (62.5 ms: too long); pass 3 takes 62.5 ms and leaves 16 MiB (15.625 ms:
// fits), so the guest stops for 15.625 ms. All values are exact in binary.
func TestPreCopyConvergesAsWorkedOut(t *testing.T) {
	m := newModel(t, transferParams{bandwidth: 1024 * mib, memory: 1024 * mib, dirtyRate: 256 * mib})
	m.setDowntimeLimit(50 * time.Millisecond)

	m.advance(0.5)
	s := m.stats()
	if s.Phase != virt.PhasePreCopy || s.MemoryIteration != 1 || s.MemoryRemaining != 512*mib || s.MemoryProcessed != 512*mib {
		t.Fatalf("half-way through pass 1: %+v", s)
	}

	m.advance(100)
	s = m.stats()
	if !m.done() || s.Phase != virt.PhaseCompleted {
		t.Fatalf("not completed: %+v", s)
	}
	if s.Elapsed != 1328125*time.Microsecond {
		t.Errorf("elapsed = %s, want 1.328125s", s.Elapsed)
	}
	if s.MemoryIteration != 3 {
		t.Errorf("iterations = %d, want 3", s.MemoryIteration)
	}
	if s.MemoryProcessed != (1024+256+64+16)*mib || s.MemoryRemaining != 0 {
		t.Errorf("memory processed %d remaining %d, want %d and 0", s.MemoryProcessed, s.MemoryRemaining, (1024+256+64+16)*mib)
	}
	if s.Downtime != 15625*time.Microsecond {
		t.Errorf("downtime = %s, want 15.625ms", s.Downtime)
	}
	if s.TransferRate != 0 {
		t.Errorf("transfer rate after completion = %d, want 0", s.TransferRate)
	}
}

// The downtime limit is the hypervisor's default (300 ms) until nova's
// first step: a pass leaving 256 MiB (250 ms) converges under it.
func TestHypervisorDefaultDowntimeBeforeFirstStep(t *testing.T) {
	m := newModel(t, transferParams{bandwidth: 1024 * mib, memory: 1024 * mib, dirtyRate: 256 * mib})
	if got := m.stats().DowntimeLimit; got != 300*time.Millisecond {
		t.Fatalf("initial downtime limit = %s, want QEMU's 300ms", got)
	}
	m.advance(100)
	if s := m.stats(); s.MemoryIteration != 1 || s.Downtime != 250*time.Millisecond {
		t.Errorf("iterations %d downtime %s, want 1 and 250ms", s.MemoryIteration, s.Downtime)
	}
}

func TestDirtyRateAboveBandwidthNeverConverges(t *testing.T) {
	m := newModel(t, transferParams{bandwidth: 1024 * mib, memory: 2048 * mib, dirtyRate: 1500 * mib})
	m.setDowntimeLimit(500 * time.Millisecond)
	m.advance(3600)
	s := m.stats()
	if m.done() {
		t.Fatal("converged although the guest dirties faster than the link")
	}
	// Every pass re-sends all memory (dirtying is capped at its size): 2 s
	// each, so 1800 passes ended within the hour and the 1801st just began.
	if s.MemoryIteration != 1801 || s.MemoryRemaining != 2048*mib {
		t.Errorf("after an hour: iteration %d remaining %d, want 1801 and all memory", s.MemoryIteration, s.MemoryRemaining)
	}
	if s.MemoryProcessed != 3600*1024*mib {
		t.Errorf("memory processed = %d, want %d", s.MemoryProcessed, 3600*1024*mib)
	}
}

// A working set caps what each pass leaves dirty: the guest converges once
// the allowed downtime covers sending it.
func TestWorkingSetConvergesWhenDowntimeAllows(t *testing.T) {
	m := newModel(t, transferParams{bandwidth: 1024 * mib, memory: 4096 * mib, dirtyRate: 4096 * mib})
	m.setWorkload(4096*mib, 256*mib) // 256 MiB takes 250 ms to send
	m.setDowntimeLimit(200 * time.Millisecond)
	m.advance(60)
	if m.done() {
		t.Fatal("converged with 200 ms allowed for a 250 ms working set")
	}
	m.setDowntimeLimit(250 * time.Millisecond)
	at := m.t
	m.advance(60)
	s := m.stats()
	if !m.done() || s.Downtime != 250*time.Millisecond {
		t.Fatalf("done %v downtime %s, want completion with 250ms", m.done(), s.Downtime)
	}
	if s.Elapsed.Seconds() > at+0.5 {
		t.Errorf("took %s after the limit was raised at %.2fs, want within one 0.25s pass", s.Elapsed, at)
	}
}

func TestAutoConvergeThrottlesUntilConvergence(t *testing.T) {
	want := []int{20, 30, 40, 50, 60, 70, 80, 90, 99, 99}
	pct := 0
	for i, w := range want {
		pct = nextThrottle(pct)
		if pct != w {
			t.Fatalf("throttle step %d = %d, want %d (QEMU: 20%%, +10%%, max 99%%)", i+1, pct, w)
		}
	}

	m := newModel(t, transferParams{bandwidth: 1024 * mib, memory: 2048 * mib, dirtyRate: 2048 * mib, autoConverge: true})
	m.setDowntimeLimit(500 * time.Millisecond)
	m.advance(3600)
	s := m.stats()
	if !m.done() {
		t.Fatalf("auto-converge did not converge: %+v", s)
	}
	// Throttle p leaves 2048×(1-p) MiB/s of dirtying; a pass leaves less
	// than 512 MiB (500 ms) only once that is well under the link speed.
	if !s.AutoConverge || s.AutoConvergeThrottle < 50 {
		t.Errorf("auto-converge %v throttle %d%%, want at least 50%%", s.AutoConverge, s.AutoConvergeThrottle)
	}
	if s.Downtime > 500*time.Millisecond {
		t.Errorf("downtime %s exceeds the 500ms limit", s.Downtime)
	}
}

// Pausing stops dirtying: the pass in flight still leaves what was dirtied
// before the pause, the next pass leaves nothing. The guest-visible
// downtime runs from the pause.
func TestPauseMakesTheNextPassConverge(t *testing.T) {
	m := newModel(t, transferParams{bandwidth: 1024 * mib, memory: 2048 * mib, dirtyRate: 2048 * mib})
	m.setDowntimeLimit(50 * time.Millisecond)
	m.advance(0.5)
	m.pause()
	m.advance(100)
	s := m.stats()
	if !m.done() {
		t.Fatal("paused guest did not converge")
	}
	// Pass 1 ends at 2 s with 1 GiB dirtied (0.5 s × 2 GiB/s); pass 2 sends
	// it by 3 s and leaves nothing.
	if s.Elapsed != 3*time.Second || s.MemoryIteration != 2 || s.Downtime != 2500*time.Millisecond {
		t.Errorf("elapsed %s iterations %d downtime %s, want 3s, 2, 2.5s", s.Elapsed, s.MemoryIteration, s.Downtime)
	}
}

func TestPostCopyFinishesWithoutDirtying(t *testing.T) {
	m := newModel(t, transferParams{bandwidth: 1024 * mib, memory: 2048 * mib, dirtyRate: 2048 * mib})
	m.advance(0.5) // 512 MiB sent, 1 GiB dirtied
	if !m.canStartPostCopy() {
		t.Fatal("post-copy refused during pre-copy")
	}
	m.startPostCopy()
	s := m.stats()
	// Still to pull: the 1.5 GiB not sent in this pass plus what was
	// re-dirtied, capped at memory.
	if s.Phase != virt.PhasePostCopy || s.MemoryRemaining != 2048*mib || s.DirtyRate != 0 {
		t.Fatalf("after switch: %+v", s)
	}
	m.advance(100)
	s = m.stats()
	if !m.done() || !s.PostCopy || s.Elapsed != 2500*time.Millisecond || s.Downtime != 0 {
		t.Errorf("post-copy end: done %v %+v, want completed at 2.5s without downtime", m.done(), s)
	}
}

func TestBlockMigrationCopiesDiskFirst(t *testing.T) {
	m := newModel(t, transferParams{bandwidth: 1024 * mib, memory: 1024 * mib, disk: 2048 * mib})
	m.advance(1)
	s := m.stats()
	if s.Phase != virt.PhaseDisk || s.DiskProcessed != 1024*mib || s.DiskRemaining != 1024*mib ||
		s.MemoryRemaining != 1024*mib || s.DataTotal != 3072*mib || s.DataRemaining != 2048*mib {
		t.Fatalf("during disk copy: %+v", s)
	}
	if m.canStartPostCopy() {
		t.Error("post-copy allowed before memory migration started")
	}
	m.advance(100)
	s = m.stats()
	if !m.done() || s.DiskProcessed != 2048*mib || s.Elapsed != 3*time.Second {
		t.Errorf("after: %+v, want disk fully copied and done at 3s (idle guest)", s)
	}
}

func TestTransferParamsRejectBadInput(t *testing.T) {
	good := transferParams{bandwidth: 1, memory: 1}
	tests := []struct {
		mutate func(*transferParams)
		name   string
	}{
		{func(p *transferParams) { p.bandwidth = 0 }, "bandwidth"},
		{func(p *transferParams) { p.memory = -1 }, "memory"},
		{func(p *transferParams) { p.disk = -1 }, "disk"},
		{func(p *transferParams) { p.dirtyRate = -1 }, "dirty rate"},
	}
	for _, tt := range tests {
		p := good
		tt.mutate(&p)
		_, err := newTransferModel(p)
		if !errors.Is(err, virt.ErrInvalidInput) || !contains(err.Error(), tt.name) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}
