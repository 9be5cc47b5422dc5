package sim

import (
	"context"
	"fmt"
	"strings"

	"github.com/novanats/novanats/services/compute/virt"
)

// Live-migration pre-checks (nova: check_can_live_migrate_destination /
// check_can_live_migrate_source). They change nothing on either host.

// storageName identifies where this host's instances path lives: hosts
// sharing storage see each other's files there.
func (d *Driver) storageNameLocked() string {
	if d.opts.SharedStorage != "" {
		return "shared:" + d.opts.SharedStorage
	}
	return "local:" + d.host
}

// CheckCanLiveMigrateDestination runs on the destination. Like nova's
// libvirt driver it leaves a token in its instances path (nova's temporary
// file) and reports its free disk; the source decides the rest.
func (d *Driver) CheckCanLiveMigrateDestination(ctx context.Context, check virt.LiveMigrateCheck) (virt.LiveMigrateData, error) {
	if err := check.Guest.Validate(); err != nil {
		return virt.LiveMigrateData{}, fmt.Errorf("sim: check destination: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.readyLocked(); err != nil {
		return virt.LiveMigrateData{}, err
	}
	refuse := func(format string, args ...any) (virt.LiveMigrateData, error) {
		return virt.LiveMigrateData{}, &virt.MigrationPreCheckError{
			InstanceUUID: check.Guest.UUID, Host: d.host, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case check.SourceHost == "":
		return refuse("source host is empty")
	case check.SourceHost == d.host:
		return refuse("source and destination are the same host %s", d.host)
	}
	if _, ok := d.guests[check.Guest.UUID]; ok {
		return refuse("instance already exists on destination %s", d.host)
	}
	d.tokenSeq++
	data := virt.LiveMigrateData{
		SourceHost:        check.SourceHost,
		DestHost:          d.host,
		DiskOverCommit:    check.DiskOverCommit,
		DiskAvailableMB:   int64(d.freeDiskGBLocked()) * 1024,
		InstancePathToken: fmt.Sprintf("%s#%d", d.storageNameLocked(), d.tokenSeq),
	}
	if check.BlockMigration == nil {
		data.BlockMigrationAuto = true
	} else {
		data.BlockMigration = *check.BlockMigration
	}
	return data, nil
}

func (d *Driver) freeDiskGBLocked() int {
	free := d.opts.LocalGB
	for _, g := range d.guests {
		free -= g.spec.DiskGB
	}
	return max(free, 0)
}

// CheckCanLiveMigrateSource runs on the source with the destination's data:
// it resolves shared storage and block migration the way nova's libvirt
// driver does and checks the destination has room for copied disks.
func (d *Driver) CheckCanLiveMigrateSource(ctx context.Context, uuid string, data virt.LiveMigrateData) (virt.LiveMigrateData, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := d.guestLocked(uuid)
	if err != nil {
		return virt.LiveMigrateData{}, fmt.Errorf("sim: check source: %w", err)
	}
	refuse := func(format string, args ...any) (virt.LiveMigrateData, error) {
		return virt.LiveMigrateData{}, &virt.MigrationPreCheckError{
			InstanceUUID: uuid, Host: d.host, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case g.incoming:
		return refuse("instance is still arriving on %s", d.host)
	case g.migrating:
		return refuse("instance is already being live-migrated")
	case g.power != virt.PowerRunning && g.power != virt.PowerPaused:
		return refuse("instance is %s; only running or paused instances can be live-migrated", g.power)
	case data.DestHost == "":
		return refuse("migrate data has no destination host: run CheckCanLiveMigrateDestination first")
	case data.DestHost == d.host:
		return refuse("source and destination are the same host %s", d.host)
	}

	storage, _, _ := strings.Cut(data.InstancePathToken, "#")
	shared := data.InstancePathToken != "" && storage == d.storageNameLocked()
	data.SourceHost, data.IsSharedInstancePath = d.host, shared
	if data.BlockMigrationAuto {
		data.BlockMigration, data.BlockMigrationAuto = !shared, false
	}
	needMB := int64(g.spec.DiskGB) * 1024
	switch {
	case data.BlockMigration && shared:
		// nova: InvalidLocalStorage
		return refuse("block migration cannot be used with shared storage")
	case !data.BlockMigration && !shared && g.spec.DiskGB > 0:
		// nova: InvalidSharedStorage. A guest without local disk (boot
		// from volume) needs neither.
		return refuse("%s is not on shared storage: live migration without block migration needs shared storage or no local disk", d.host)
	case data.BlockMigration && !data.DiskOverCommit && needMB > data.DiskAvailableMB:
		return refuse("disk of instance is too large (available on destination %s: %d MB < need: %d MB)",
			data.DestHost, data.DiskAvailableMB, needMB)
	}
	return data, nil
}
