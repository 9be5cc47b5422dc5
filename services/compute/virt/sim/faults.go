package sim

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/novanats/novanats/services/compute/virt"
)

// Errors carried by injected faults, so tests can tell an injected failure
// from a bug with errors.Is.
var (
	ErrInjected      = errors.New("sim: injected fault")
	ErrLinkDown      = fmt.Errorf("%w: migration link down", ErrInjected)
	ErrSourceCrashed = fmt.Errorf("%w: guest process died on the source", ErrInjected)
)

// Trigger says when a fault fires during a live migration, in clock time
// and bytes counted from the migration's start. With both fields set, the
// first reached wins; the zero Trigger fires at once, before any byte is
// sent.
type Trigger struct {
	AfterBytes int64         // once this much data (disk + memory) was sent
	At         time.Duration // once the migration ran this long
}

func (t Trigger) validate() error {
	if t.AfterBytes < 0 || t.At < 0 {
		return fmt.Errorf("sim: %w: fault trigger must not be negative (after %d bytes, at %s)",
			virt.ErrInvalidInput, t.AfterBytes, t.At)
	}
	return nil
}

// byTime: whether the time condition is in use (also for the zero Trigger).
func (t Trigger) byTime() bool { return t.At > 0 || t.AfterBytes == 0 }

// fireTime is the model time, in seconds, when the trigger will fire if the
// transfer goes on at its current rate; +Inf if never.
func (t Trigger) fireTime(m *transferModel) float64 {
	at := math.Inf(1)
	if t.byTime() {
		at = t.At.Seconds()
	}
	if t.AfterBytes > 0 && !m.done() {
		left := float64(t.AfterBytes) - m.sent()
		at = min(at, m.t+max(0, left/m.bw))
	}
	return at
}

func (t Trigger) fired(m *transferModel) bool {
	if t.byTime() && m.t >= t.At.Seconds()-timeEpsilon {
		return true
	}
	return t.AfterBytes > 0 && m.sent() >= float64(t.AfterBytes)-byteEpsilon
}

// armed is one pending fault; uuid "" matches any guest.
type armed struct {
	uuid    string
	trigger Trigger
	err     error
}

func (a armed) matches(uuid string) bool { return a.uuid == "" || a.uuid == uuid }

type faultSet struct {
	spawn            []armed
	preLiveMigration []armed
	linkDrop         []armed
	sourceCrash      []armed
}

// take removes and returns the first fault matching uuid.
func take(list *[]armed, uuid string) (armed, bool) {
	for i, a := range *list {
		if a.matches(uuid) {
			*list = append((*list)[:i:i], (*list)[i+1:]...)
			return a, true
		}
	}
	return armed{}, false
}

// FailSpawn makes the next Spawn of uuid ("" for any guest) on this host
// fail with err (ErrInjected if nil), creating nothing, as a hypervisor
// that cannot start the domain. One-shot.
func (d *Driver) FailSpawn(uuid string, err error) {
	if err == nil {
		err = fmt.Errorf("%w: the hypervisor failed to start the guest", ErrInjected)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults.spawn = append(d.faults.spawn, armed{uuid: uuid, err: err})
}

// FailPreLiveMigration makes the next PreLiveMigration of uuid ("" for any
// guest) on this host — the destination — fail with err (ErrInjected if
// nil) before preparing anything. One-shot.
func (d *Driver) FailPreLiveMigration(uuid string, err error) {
	if err == nil {
		err = fmt.Errorf("%w: pre_live_migration failed on the destination", ErrInjected)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults.preLiveMigration = append(d.faults.preLiveMigration, armed{uuid: uuid, err: err})
}

// DropLink cuts the migration link during the next live migration of uuid
// ("" for any guest) from this host — the source — when the trigger fires.
// One-shot.
//
// Before the switch to post-copy the migration fails and the guest keeps
// running on the source (unpaused if force-complete had paused it). After
// the switch it is fatal, as with real QEMU without post-copy recovery (nova
// does not use it): the destination cannot fetch the missing pages, both
// sides of the guest are left crashed, and LiveMigration returns a
// MigrationError with GuestLost set.
func (d *Driver) DropLink(uuid string, when Trigger) error {
	if err := when.validate(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults.linkDrop = append(d.faults.linkDrop, armed{uuid: uuid, trigger: when, err: ErrLinkDown})
	return nil
}

// CrashSource kills the guest's process on this host — the source — during
// its next live migration of uuid ("" for any guest) when the trigger
// fires. One-shot.
//
// The guest's memory dies with the process: the source guest is left
// CRASHED (still listed, so the compute manager can hard-reboot it on the
// source, where nova's database still places it), the destination keeps
// its prepared guest for RollbackLiveMigrationAtDestination, and
// LiveMigration returns a MigrationError with GuestLost set. In post-copy
// the destination guest crashes too, since its missing pages are gone. A
// whole-host death is simulated by the end-to-end tests stopping the
// compute service, not by the driver.
func (d *Driver) CrashSource(uuid string, when Trigger) error {
	if err := when.validate(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults.sourceCrash = append(d.faults.sourceCrash, armed{uuid: uuid, trigger: when, err: ErrSourceCrashed})
	return nil
}

// Detach takes the host off the migration fabric, as when its migration
// network goes down or the compute host dies. New migrations to it fail;
// migrations in flight to or from it fail at their next step like a
// DropLink (fatal in post-copy). A new driver may then Init under the same
// host name, e.g. for a restarted compute service.
func (d *Driver) Detach() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.host != "" {
		d.fabric.unregister(d.host, d)
	}
}

// ClearFaults disarms every pending fault on this host.
func (d *Driver) ClearFaults() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults = faultSet{}
}
