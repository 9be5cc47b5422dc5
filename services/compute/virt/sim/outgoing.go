package sim

import (
	"context"
	"fmt"

	"github.com/novanats/novanats/services/compute/virt"
)

// Source side of a live migration.

// LiveMigration migrates uuid to dest and blocks until it ends (nova:
// live_migration + _live_migration_monitor). progress is called from this
// goroutine on every monitor tick and once more with the final stats.
func (d *Driver) LiveMigration(ctx context.Context, uuid, dest string, data virt.LiveMigrateData, progress func(virt.JobStats)) error {
	r, err := d.startMigration(uuid, dest, data, progress)
	if err != nil {
		return err
	}
	return r.run(ctx)
}

func (d *Driver) startMigration(uuid, dest string, data virt.LiveMigrateData, progress func(virt.JobStats)) (*migration, error) {
	r, destDrv, err := d.reserveOutgoing(uuid, dest, data, progress)
	if err != nil {
		return nil, fmt.Errorf("sim: live migration: %w", err)
	}
	// The destination is checked without holding our lock: two hosts
	// migrating to each other must not deadlock.
	incoming, err := destDrv.incomingSpec(uuid)
	if err == nil && float64(incoming.MemoryMB)*virt.MiB != r.model.memTotal {
		err = fmt.Errorf("%w: destination %s prepared %s with %d MiB of memory, the guest has %.0f MiB",
			virt.ErrInvalidState, dest, uuid, incoming.MemoryMB, r.model.memTotal/virt.MiB)
	}
	if err != nil {
		r.job.finish(r.terminal(virt.PhaseFailed), false)
		d.endOutgoing(uuid, false, 0)
		return nil, &virt.MigrationError{InstanceUUID: uuid, Host: r.srcHost, Err: err}
	}
	r.dest = destDrv
	return r, nil
}

// reserveOutgoing validates the request and marks the guest as migrating.
func (d *Driver) reserveOutgoing(uuid, dest string, data virt.LiveMigrateData, progress func(virt.JobStats)) (*migration, *Driver, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := d.guestLocked(uuid)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case g.incoming:
		return nil, nil, fmt.Errorf("%w: %s is still arriving on %s", virt.ErrInvalidState, uuid, d.host)
	case g.migrating:
		return nil, nil, fmt.Errorf("%w: %s from %s", virt.ErrMigrationInProgress, uuid, d.host)
	case g.power != virt.PowerRunning && g.power != virt.PowerPaused:
		return nil, nil, fmt.Errorf("%w: %s is %s, must be running or paused", virt.ErrInvalidState, uuid, g.power)
	case dest == "":
		return nil, nil, fmt.Errorf("%w: destination host is empty", virt.ErrInvalidInput)
	case dest == d.host:
		return nil, nil, fmt.Errorf("%w: cannot live-migrate %s to its own host %s", virt.ErrInvalidInput, uuid, dest)
	case data.DestHost != "" && data.DestHost != dest:
		return nil, nil, fmt.Errorf("%w: migrate data is for destination %s, not %s", virt.ErrInvalidInput, data.DestHost, dest)
	}
	destDrv, ok := d.fabric.lookup(dest)
	if !ok {
		return nil, nil, &virt.MigrationError{InstanceUUID: uuid, Host: d.host,
			Err: fmt.Errorf("destination host %q is not reachable on the migration fabric", dest)}
	}

	cfg := d.opts.Migration
	mibps := min(d.opts.LinkBandwidthMiBps, destDrv.opts.LinkBandwidthMiBps)
	if cfg.BandwidthMiBps > 0 {
		mibps = min(mibps, float64(cfg.BandwidthMiBps))
	}
	var disks []int64
	if data.BlockMigration && g.spec.DiskGB > 0 {
		disks = []int64{int64(g.spec.DiskGB) * virt.GiB}
	}
	dataGiB, err := virt.MigrationDataGiB(g.spec.MemoryMB, disks)
	if err != nil {
		return nil, nil, err
	}
	steps, err := cfg.DowntimeSchedule(dataGiB)
	if err != nil {
		return nil, nil, err
	}
	var diskBytes float64
	for _, b := range disks {
		diskBytes += float64(b)
	}
	model, err := newTransferModel(transferParams{
		bandwidth:    mibps * virt.MiB,
		memory:       float64(g.spec.MemoryMB) * virt.MiB,
		disk:         diskBytes,
		dirtyRate:    g.spec.DirtyRateMiBps * virt.MiB,
		autoConverge: cfg.AutoConvergeEnabled(),
		paused:       g.power == virt.PowerPaused,
	})
	if err != nil {
		return nil, nil, err
	}

	r := &migration{
		src:        d,
		srcHost:    d.host,
		uuid:       uuid,
		job:        newJob(),
		model:      model,
		cfg:        cfg,
		progress:   progress,
		start:      d.clock.Now(),
		steps:      steps,
		downtimeMs: virt.DowntimeUnset,
		timeout:    virt.CompletionTimeout(cfg.CompletionTimeout, dataGiB),
		interval:   d.opts.MonitorInterval.Seconds(),
		wasPaused:  g.power == virt.PowerPaused,
	}
	if f, ok := take(&d.faults.linkDrop, uuid); ok {
		r.faults = append(r.faults, f)
	}
	if f, ok := take(&d.faults.sourceCrash, uuid); ok {
		r.faults = append(r.faults, f)
	}
	r.job.publish(r.stats())
	g.migrating = true
	d.jobs[uuid] = r.job
	return r, destDrv, nil
}

// LiveMigrationAbort cancels the running migration of uuid (nova:
// live_migration_abort). It takes effect at once; LiveMigration then
// returns *virt.MigrationAborted with AbortRequested.
func (d *Driver) LiveMigrationAbort(uuid string) error {
	j, err := d.jobFor(uuid)
	if err == nil {
		err = j.requestAbort()
	}
	if err != nil {
		return fmt.Errorf("sim: abort live migration of %s: %w", uuid, err)
	}
	return nil
}

// LiveMigrationForceComplete queues a force-complete for the next monitor
// tick (nova: live_migration_force_complete).
func (d *Driver) LiveMigrationForceComplete(uuid string) error {
	j, err := d.jobFor(uuid)
	if err == nil {
		err = j.requestForceComplete()
	}
	if err != nil {
		return fmt.Errorf("sim: force-complete live migration of %s: %w", uuid, err)
	}
	return nil
}

// LiveMigrationStats returns the running or last finished migration's
// stats.
func (d *Driver) LiveMigrationStats(uuid string) (virt.JobStats, error) {
	j, err := d.jobFor(uuid)
	if err != nil {
		return virt.JobStats{}, fmt.Errorf("sim: live migration stats of %s: %w", uuid, err)
	}
	return j.snapshot(), nil
}

func (d *Driver) jobFor(uuid string) (*job, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.readyLocked(); err != nil {
		return nil, err
	}
	j, ok := d.jobs[uuid]
	if !ok {
		return nil, fmt.Errorf("%w on host %s", virt.ErrNoActiveMigration, d.host)
	}
	return j, nil
}

// PostLiveMigrationAtSource forgets the finished migration once the guest
// runs on the destination (nova: post_live_migration_at_source). The guest
// itself already left this host when the migration completed.
func (d *Driver) PostLiveMigrationAtSource(ctx context.Context, uuid string, data virt.LiveMigrateData) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.readyLocked(); err != nil {
		return err
	}
	j, hasJob := d.jobs[uuid]
	if _, here := d.guests[uuid]; here {
		return fmt.Errorf("sim: post live migration at source: %w: %s still runs on %s, its migration did not complete",
			virt.ErrInvalidState, uuid, d.host)
	}
	if !hasJob {
		return fmt.Errorf("sim: post live migration at source: %w: %s has no migration from %s",
			virt.ErrInstanceNotFound, uuid, d.host)
	}
	if s := j.snapshot(); s.Phase != virt.PhaseCompleted {
		return fmt.Errorf("sim: post live migration at source: %w: migration of %s is %s", virt.ErrInvalidState, uuid, s.Phase)
	}
	delete(d.jobs, uuid)
	return nil
}

// Helpers used by the monitor goroutine; each takes the lock briefly.

// workloadOf returns the guest's dirty rate and working set, in MiB/s and
// MiB (0: all memory).
func (d *Driver) workloadOf(uuid string) (rate, workingSet float64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if g, ok := d.guests[uuid]; ok {
		return g.spec.DirtyRateMiBps, g.workingSetMiB
	}
	return 0, 0
}

func (d *Driver) specOf(uuid string) (virt.GuestSpec, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, ok := d.guests[uuid]
	if !ok {
		return virt.GuestSpec{}, false
	}
	return g.spec, true
}

func (d *Driver) setPower(uuid string, p virt.PowerState) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if g, ok := d.guests[uuid]; ok {
		g.power = p
	}
}

// endOutgoing releases the guest from its migration, optionally setting its
// power state.
func (d *Driver) endOutgoing(uuid string, setPower bool, p virt.PowerState) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if g, ok := d.guests[uuid]; ok {
		g.migrating = false
		if setPower {
			g.power = p
		}
	}
}

func (d *Driver) removeMigrated(uuid string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.guests, uuid)
}
