package sim

import (
	"context"
	"fmt"

	"github.com/novanats/novanats/services/compute/virt"
)

// Destination side of a live migration.

// PreLiveMigration prepares to receive the guest (nova: pre_live_migration):
// an incoming guest, paused as libvirt shows it, holding its resources.
func (d *Driver) PreLiveMigration(ctx context.Context, spec virt.GuestSpec, data virt.LiveMigrateData) (virt.LiveMigrateData, error) {
	if err := spec.Validate(); err != nil {
		return virt.LiveMigrateData{}, fmt.Errorf("sim: pre live migration: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.readyLocked(); err != nil {
		return virt.LiveMigrateData{}, err
	}
	if f, ok := take(&d.faults.preLiveMigration, spec.UUID); ok {
		return virt.LiveMigrateData{}, fmt.Errorf("sim: pre live migration of %s on %s: %w", spec.UUID, d.host, f.err)
	}
	if data.DestHost != "" && data.DestHost != d.host {
		return virt.LiveMigrateData{}, fmt.Errorf("sim: pre live migration: %w: migrate data is for destination %s, this is %s",
			virt.ErrInvalidInput, data.DestHost, d.host)
	}
	if _, ok := d.guests[spec.UUID]; ok {
		return virt.LiveMigrateData{}, fmt.Errorf("sim: pre live migration: %w: %s on host %s",
			virt.ErrInstanceExists, spec.UUID, d.host)
	}
	d.guests[spec.UUID] = &guest{spec: d.withDefaults(spec), power: virt.PowerPaused, incoming: true}
	data.DestHost = d.host
	return data, nil
}

// PostLiveMigrationAtDestination finalises the guest once the migration
// completed (nova: post_live_migration_at_destination).
func (d *Driver) PostLiveMigrationAtDestination(ctx context.Context, uuid string, data virt.LiveMigrateData) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := d.guestLocked(uuid)
	if err != nil {
		return fmt.Errorf("sim: post live migration at destination: %w", err)
	}
	if g.incoming {
		return fmt.Errorf("sim: post live migration at destination: %w: %s has not finished arriving on %s",
			virt.ErrInvalidState, uuid, d.host)
	}
	return nil
}

// RollbackLiveMigrationAtDestination removes the guest PreLiveMigration
// prepared (nova: rollback_live_migration_at_destination). It is
// idempotent — nothing to remove is fine — but refuses to remove a guest
// that runs here: a completed migration's, or one in post-copy.
func (d *Driver) RollbackLiveMigrationAtDestination(ctx context.Context, uuid string, data virt.LiveMigrateData) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.readyLocked(); err != nil {
		return err
	}
	g, ok := d.guests[uuid]
	switch {
	case !ok:
		return nil
	case !g.incoming:
		return fmt.Errorf("sim: rollback live migration at destination: %w: %s runs on %s after a completed migration",
			virt.ErrInvalidState, uuid, d.host)
	case g.activated && g.power == virt.PowerRunning:
		return fmt.Errorf("sim: rollback live migration at destination: %w: %s runs on %s in post-copy",
			virt.ErrMigrationInProgress, uuid, d.host)
	}
	delete(d.guests, uuid)
	return nil
}

// Helpers called by the source's monitor goroutine.

func (d *Driver) incomingSpec(uuid string) (virt.GuestSpec, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, ok := d.guests[uuid]
	switch {
	case !ok:
		return virt.GuestSpec{}, fmt.Errorf("%w: destination %s has not prepared %s (run PreLiveMigration there first)",
			virt.ErrInstanceNotFound, d.host, uuid)
	case !g.incoming:
		return virt.GuestSpec{}, fmt.Errorf("%w: %s already runs on destination %s", virt.ErrInstanceExists, uuid, d.host)
	case g.activated:
		return virt.GuestSpec{}, fmt.Errorf("%w: %s is already receiving a migration on %s", virt.ErrMigrationInProgress, uuid, d.host)
	}
	return g.spec, nil
}

// activateIncoming: post-copy switched, the guest now runs here.
func (d *Driver) activateIncoming(uuid string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if g, ok := d.guests[uuid]; ok && g.incoming {
		g.activated, g.power = true, virt.PowerRunning
	}
}

// crashIncoming: post-copy failed, the guest here lost pages it never got.
func (d *Driver) crashIncoming(uuid string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if g, ok := d.guests[uuid]; ok && g.incoming {
		g.power = virt.PowerCrashed
	}
}

// finishIncoming: every page arrived; the guest is now fully this host's.
func (d *Driver) finishIncoming(uuid string, spec virt.GuestSpec, power virt.PowerState) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, ok := d.guests[uuid]
	if !ok || !g.incoming {
		return fmt.Errorf("%w: the incoming guest %s vanished from destination %s", virt.ErrInstanceNotFound, uuid, d.host)
	}
	if spec.UUID != "" {
		g.spec = spec
	}
	g.incoming, g.activated, g.power = false, false, power
	return nil
}
