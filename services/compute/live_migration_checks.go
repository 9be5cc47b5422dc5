package compute

import (
	"context"
	"errors"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/virt"
)

// checkCanLiveMigrateDestination is nova's
// check_can_live_migrate_destination on the destination: the driver
// checks this host can take the guest, then the source checks its side
// with what this host found (check_can_live_migrate_source, a call), and
// the source's answer is the migrate data the conductor passes on.
// Refusals are *virt.MigrationPreCheckError from either host.
func (m *Manager) checkCanLiveMigrateDestination(ctx context.Context, args CheckCanLiveMigrateDestinationArgs) (objects.Primitive, error) {
	name := CheckCanLiveMigrateDestination.Spec.Name
	inst, err := m.decodeInstance(ctx, name, args.Instance)
	if err != nil {
		return nil, err
	}
	if args.Migration != nil {
		if _, err := m.decodeMigration(ctx, name, args.Migration); err != nil {
			return nil, err
		}
	}
	source := inst.Host.Get()
	if source == "" {
		return nil, &rpc.MalformedMessage{Reason: name + ": the instance has no host to migrate from"}
	}
	if m.compute == nil {
		return nil, errors.New("compute: check_can_live_migrate_destination: this manager has no compute client (use NewService)")
	}
	var reply objects.Primitive
	err = m.withInstanceEvent(ctx, EventCheckCanLiveMigrateDestination, inst.UUID.Get(), func(ctx context.Context) error {
		guest, err := guestSpecOf(inst)
		if err != nil {
			return err
		}
		vdata, err := m.driver.CheckCanLiveMigrateDestination(ctx, virt.LiveMigrateCheck{
			Guest: guest, SourceHost: source, BlockMigration: args.BlockMigration, DiskOverCommit: args.DiskOverCommit,
		})
		if err != nil {
			return err
		}
		destData := fromVirtMigrateData(nil, vdata)
		rpc.Logger(ctx, m.log).Debug("destination check passed; asking the source", "instance_uuid", inst.UUID.Get(), "source", source)
		data, err := m.compute.CheckCanLiveMigrateSource(ctx, source, inst, destData)
		if err != nil {
			return err
		}
		reply, err = data.ToPrimitive()
		return err
	})
	return reply, err
}

// checkCanLiveMigrateSource is nova's check_can_live_migrate_source on
// the source, called by the destination: the driver resolves shared
// storage and block migration against the destination's data.
func (m *Manager) checkCanLiveMigrateSource(ctx context.Context, args CheckCanLiveMigrateSourceArgs) (objects.Primitive, error) {
	name := CheckCanLiveMigrateSource.Spec.Name
	inst, err := m.decodeInstance(ctx, name, args.Instance)
	if err != nil {
		return nil, err
	}
	destData, err := m.decodeMigrateData(ctx, name, args.DestCheckData, true)
	if err != nil {
		return nil, err
	}
	var reply objects.Primitive
	err = m.withInstanceEvent(ctx, EventCheckCanLiveMigrateSource, inst.UUID.Get(), func(ctx context.Context) error {
		vdata, err := m.driver.CheckCanLiveMigrateSource(ctx, inst.UUID.Get(), toVirtMigrateData(inst, destData))
		if err != nil {
			return err
		}
		reply, err = fromVirtMigrateData(destData, vdata).ToPrimitive()
		return err
	})
	return reply, err
}

// preLiveMigration is nova's pre_live_migration on the destination: the
// driver prepares to receive the guest (an incoming guest holding its
// resources) and this host counts the instance from now on, as nova's
// destination move claim does. It replies with the migrate data the
// source migrates with.
func (m *Manager) preLiveMigration(ctx context.Context, args PreLiveMigrationArgs) (objects.Primitive, error) {
	name := PreLiveMigration.Spec.Name
	inst, err := m.decodeInstance(ctx, name, args.Instance)
	if err != nil {
		return nil, err
	}
	data, err := m.decodeMigrateData(ctx, name, args.MigrateData, true)
	if err != nil {
		return nil, err
	}
	var reply objects.Primitive
	err = m.withInstanceEvent(ctx, EventPreLiveMigration, inst.UUID.Get(), func(ctx context.Context) error {
		guest, err := guestSpecOf(inst)
		if err != nil {
			return err
		}
		vdata, err := m.driver.PreLiveMigration(ctx, guest, toVirtMigrateData(inst, data))
		if err != nil {
			return err
		}
		m.rt.trackIncoming(ctx, inst)
		reply, err = fromVirtMigrateData(data, vdata).ToPrimitive()
		return err
	})
	return reply, err
}
