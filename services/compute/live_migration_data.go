package compute

import (
	"context"
	"fmt"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/virt"
)

// Migrate data travels between computes as objects.LiveMigrateData and is
// handed to the driver as virt.LiveMigrateData. The conversions below are
// the only place that knows how one maps onto the other.
//
// Two driver fields have no object field of their own:
//
//   - BlockMigrationAuto (the API's block_migration=None) is an unset
//     block_migration, as nova leaves the field unset until the source
//     check resolves it;
//   - InstancePathToken, the destination's shared-storage probe (nova's
//     LibvirtLiveMigrateData.filename), travels in instance_relative_path,
//     which nothing else here uses: the object has no filename field, and
//     adding one is a pkg/objects change of its own.
//
// The source host is not carried either (nova's object has none): it is
// the instance's host, which every receiver knows.

// toVirtMigrateData converts migrate data for the driver of a migration of
// inst.
func toVirtMigrateData(inst *objects.Instance, d *objects.LiveMigrateData) virt.LiveMigrateData {
	v := virt.LiveMigrateData{SourceHost: inst.Host.Get()}
	if d == nil {
		return v
	}
	v.DestHost = d.DestHost.Get()
	if d.BlockMigration.IsSet() {
		v.BlockMigration = d.BlockMigration.Get()
	} else {
		v.BlockMigrationAuto = true
	}
	v.DiskOverCommit = d.DiskOverCommit.Get()
	if mb, ok := d.DiskAvailableMB.Lookup(); ok {
		v.DiskAvailableMB = int64(mb)
	}
	v.InstancePathToken = d.InstanceRelativePath.Get()
	v.IsSharedInstancePath = d.IsSharedInstancePath.Get()
	return v
}

// fromVirtMigrateData converts the driver's answer back, keeping what the
// driver does not know of base (the migration, bandwidth, post-copy
// permission, ...). base may be nil.
func fromVirtMigrateData(base *objects.LiveMigrateData, v virt.LiveMigrateData) *objects.LiveMigrateData {
	d := new(objects.LiveMigrateData)
	if base != nil {
		if c, err := objects.Clone(base); err == nil {
			d = c
		}
	}
	// Still undecided (auto), block_migration stays unset, as nova's None;
	// only the source check decides it, on data where it was unset.
	if !v.BlockMigrationAuto {
		d.BlockMigration.Set(v.BlockMigration)
	}
	d.DiskOverCommit.Set(v.DiskOverCommit)
	d.DiskAvailableMB.Set(int(v.DiskAvailableMB))
	d.InstanceRelativePath.Set(v.InstancePathToken)
	d.IsSharedInstancePath.Set(v.IsSharedInstancePath)
	if !d.IsSharedBlockStorage.IsSet() {
		d.IsSharedBlockStorage.Set(false)
	}
	if !d.IsVolumeBacked.IsSet() {
		d.IsVolumeBacked.Set(false)
	}
	if v.DestHost != "" {
		d.DestHost.Set(v.DestHost)
	}
	return d
}

// decodeMigrateData reads a migrate data argument of method; nil when the
// caller sent none and none is required.
func (m *Manager) decodeMigrateData(ctx context.Context, method string, p objects.Primitive, required bool) (*objects.LiveMigrateData, error) {
	if p == nil {
		if required {
			return nil, &rpc.MalformedMessage{Reason: method + ": no migrate_data"}
		}
		return nil, nil
	}
	o, err := m.conductor.Decode(ctx, p)
	if err != nil {
		return nil, &rpc.MalformedMessage{Reason: fmt.Sprintf("%s: migrate_data does not decode: %v", method, err)}
	}
	d, ok := o.(*objects.LiveMigrateData)
	if !ok {
		return nil, &rpc.MalformedMessage{Reason: fmt.Sprintf("%s: migrate_data is a %s", method, o.ObjName())}
	}
	return d, nil
}

// decodeMigration reads a migration argument of method. The migration
// must name itself (id and uuid): the source saves its status on it.
func (m *Manager) decodeMigration(ctx context.Context, method string, p objects.Primitive) (*objects.Migration, error) {
	if p == nil {
		return nil, &rpc.MalformedMessage{Reason: method + ": no migration"}
	}
	o, err := m.conductor.Decode(ctx, p)
	if err != nil {
		return nil, &rpc.MalformedMessage{Reason: fmt.Sprintf("%s: migration does not decode: %v", method, err)}
	}
	mig, ok := o.(*objects.Migration)
	if !ok {
		return nil, &rpc.MalformedMessage{Reason: fmt.Sprintf("%s: migration argument is a %s", method, o.ObjName())}
	}
	if !mig.ID.IsSet() || mig.ID.Get() <= 0 || mig.UUID.Get() == "" {
		return nil, &rpc.MalformedMessage{Reason: method + ": migration has no id or uuid (create it first)"}
	}
	mig.ObjResetChanges()
	return mig, nil
}
