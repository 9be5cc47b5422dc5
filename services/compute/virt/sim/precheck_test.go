package sim

import (
	"context"
	"errors"
	"testing"

	"github.com/novanats/novanats/services/compute/virt"
)

func ptr(b bool) *bool { return &b }

func withDisk(gb int) virt.GuestSpec {
	g := spec(2048, 16)
	g.DiskGB = gb
	return g
}

func checkBoth(t *testing.T, src, dst *Driver, g virt.GuestSpec, block *bool, overcommit bool) (virt.LiveMigrateData, error) {
	t.Helper()
	ctx := context.Background()
	data, err := dst.CheckCanLiveMigrateDestination(ctx, virt.LiveMigrateCheck{Guest: g, SourceHost: "src", BlockMigration: block, DiskOverCommit: overcommit})
	if err != nil {
		return data, err
	}
	return src.CheckCanLiveMigrateSource(ctx, g.UUID, data)
}

func wantPreCheckError(t *testing.T, err error, reason string) {
	t.Helper()
	var pre *virt.MigrationPreCheckError
	if !errors.As(err, &pre) || !contains(err.Error(), reason) {
		t.Errorf("err = %v, want MigrationPreCheckError about %q", err, reason)
	}
}

func TestPreChecksResolveBlockMigration(t *testing.T) {
	shared := func(o *Options) { o.SharedStorage = "nfs-1" }
	tests := []struct {
		name          string
		mutate        func(*Options)
		disk          int
		block         *bool
		wantBlock     bool
		wantShared    bool
		wantRefusalOn string
	}{
		{name: "local storage, auto", disk: 10, wantBlock: true},
		{name: "shared storage, auto", mutate: shared, disk: 10, wantShared: true},
		{name: "shared storage refuses block migration", mutate: shared, disk: 10, block: ptr(true), wantRefusalOn: "shared storage"},
		{name: "local storage needs block migration", disk: 10, block: ptr(false), wantRefusalOn: "not on shared storage"},
		{name: "boot from volume needs neither", disk: 0, block: ptr(false)},
		{name: "destination disk too small", mutate: func(o *Options) { o.LocalGB = 5 }, disk: 10, wantRefusalOn: "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, dst := newPair(t, tt.mutate)
			spawn(t, src, withDisk(tt.disk))
			data, err := checkBoth(t, src, dst, withDisk(tt.disk), tt.block, false)
			if tt.wantRefusalOn != "" {
				wantPreCheckError(t, err, tt.wantRefusalOn)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if data.BlockMigration != tt.wantBlock || data.IsSharedInstancePath != tt.wantShared || data.BlockMigrationAuto {
				t.Errorf("data %+v, want block %v shared %v", data, tt.wantBlock, tt.wantShared)
			}
			if data.SourceHost != "src" || data.DestHost != "dst" {
				t.Errorf("hosts %s -> %s", data.SourceHost, data.DestHost)
			}
		})
	}
}

func TestDiskOverCommitSkipsTheDiskCheck(t *testing.T) {
	src, dst := newPair(t, func(o *Options) { o.LocalGB = 5 })
	spawn(t, src, withDisk(10))
	if _, err := checkBoth(t, src, dst, withDisk(10), ptr(true), true); err != nil {
		t.Errorf("disk_over_commit: %v", err)
	}
}

func TestPreChecksRefuseWhatCannotMigrate(t *testing.T) {
	ctx := context.Background()
	src, dst := newPair(t, nil)
	g := spec(2048, 16)

	_, err := dst.CheckCanLiveMigrateDestination(ctx, virt.LiveMigrateCheck{Guest: g, SourceHost: "dst"})
	wantPreCheckError(t, err, "same host")
	_, err = dst.CheckCanLiveMigrateDestination(ctx, virt.LiveMigrateCheck{Guest: g})
	wantPreCheckError(t, err, "source host is empty")
	if _, err := dst.CheckCanLiveMigrateDestination(ctx, virt.LiveMigrateCheck{Guest: virt.GuestSpec{UUID: "x"}, SourceHost: "src"}); !errors.Is(err, virt.ErrInvalidInput) {
		t.Errorf("bad guest spec: %v", err)
	}

	spawn(t, dst, g)
	_, err = dst.CheckCanLiveMigrateDestination(ctx, virt.LiveMigrateCheck{Guest: g, SourceHost: "src"})
	wantPreCheckError(t, err, "already exists")

	if _, err := src.CheckCanLiveMigrateSource(ctx, uuid1, virt.LiveMigrateData{DestHost: "dst"}); !errors.Is(err, virt.ErrInstanceNotFound) {
		t.Errorf("unknown guest on source: %v", err)
	}
	spawn(t, src, g)
	_, err = src.CheckCanLiveMigrateSource(ctx, uuid1, virt.LiveMigrateData{})
	wantPreCheckError(t, err, "no destination host")
	src.setPower(uuid1, virt.PowerCrashed)
	_, err = src.CheckCanLiveMigrateSource(ctx, uuid1, virt.LiveMigrateData{DestHost: "dst"})
	wantPreCheckError(t, err, "crashed")
}

func TestPreLiveMigrationPreparesAPausedIncomingGuest(t *testing.T) {
	ctx := context.Background()
	_, dst := newPair(t, nil)
	g := spec(2048, 0)
	data, err := dst.PreLiveMigration(ctx, g, virt.LiveMigrateData{SourceHost: "src"})
	if err != nil {
		t.Fatal(err)
	}
	if data.DestHost != "dst" {
		t.Errorf("dest host %q", data.DestHost)
	}
	info, _ := dst.Guest(uuid1)
	if !info.Incoming || info.Power != virt.PowerPaused || info.Spec.DirtyRateMiBps != DefaultOptions().DefaultDirtyRateMiBps {
		t.Errorf("incoming guest %+v", info)
	}
	res, _ := dst.GetAvailableResource()
	if res.MemoryMBUsed != 2048 || res.VCPUsUsed != 2 {
		t.Errorf("incoming guest does not hold resources: %+v", res)
	}
	if _, err := dst.PreLiveMigration(ctx, g, virt.LiveMigrateData{}); !errors.Is(err, virt.ErrInstanceExists) {
		t.Errorf("second prepare: %v", err)
	}
	if _, err := dst.PreLiveMigration(ctx, g, virt.LiveMigrateData{DestHost: "elsewhere"}); !errors.Is(err, virt.ErrInvalidInput) {
		t.Errorf("data for another host: %v", err)
	}
	if err := dst.PostLiveMigrationAtDestination(ctx, uuid1, data); !errors.Is(err, virt.ErrInvalidState) {
		t.Errorf("post at destination before arrival: %v", err)
	}
	if err := dst.RollbackLiveMigrationAtDestination(ctx, uuid1, data); err != nil {
		t.Fatal(err)
	}
	if err := dst.RollbackLiveMigrationAtDestination(ctx, uuid1, data); err != nil {
		t.Errorf("rollback is not idempotent: %v", err)
	}
}

func TestPostLiveMigrationAtSourceNeedsACompletedMigration(t *testing.T) {
	ctx := context.Background()
	src, _ := newPair(t, nil)
	if err := src.PostLiveMigrationAtSource(ctx, uuid1, virt.LiveMigrateData{}); !errors.Is(err, virt.ErrInstanceNotFound) {
		t.Errorf("never migrated: %v", err)
	}
	spawn(t, src, spec(1024, 0))
	if err := src.PostLiveMigrationAtSource(ctx, uuid1, virt.LiveMigrateData{}); !errors.Is(err, virt.ErrInvalidState) {
		t.Errorf("guest still here: %v", err)
	}
}
