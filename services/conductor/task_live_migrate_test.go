package conductor

import (
	"errors"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/virt"
)

// migrate_server's arguments are live_migrate_instance's plus live, on one
// level, as nova's kwargs are: a caller in another language sends one map.
func TestMigrateServerArgsWire(t *testing.T) {
	yes := true
	b, err := msgpack.Marshal(MigrateServerArgs{LiveMigrateInstanceArgs: LiveMigrateInstanceArgs{
		InstanceUUID: "4f2a1c3e-0000-4000-8000-000000000001", Host: "cmp2", Force: true, BlockMigration: &yes,
	}, Live: true})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := msgpack.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"instance_uuid", "host", "force", "block_migration", "disk_over_commit", "live"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing from %v", k, m)
		}
	}
	if len(m) != 6 {
		t.Errorf("wire form %v has extra keys", m)
	}
}

// Arguments no migration could start from are refused as malformed before
// anything is read.
func TestLiveMigrateArgsValidate(t *testing.T) {
	good := LiveMigrateInstanceArgs{InstanceUUID: "4f2a1c3e-0000-4000-8000-000000000001"}
	if err := good.validate("m"); err != nil {
		t.Fatalf("good args: %v", err)
	}
	for name, a := range map[string]MigrateServerArgs{
		"not a uuid":      {LiveMigrateInstanceArgs: LiveMigrateInstanceArgs{InstanceUUID: "x"}, Live: true},
		"upper-case uuid": {LiveMigrateInstanceArgs: LiveMigrateInstanceArgs{InstanceUUID: strings.ToUpper(good.InstanceUUID)}, Live: true},
		"force, no host":  {LiveMigrateInstanceArgs: LiveMigrateInstanceArgs{InstanceUUID: good.InstanceUUID, Force: true}, Live: true},
		"cold migration":  {LiveMigrateInstanceArgs: good},
	} {
		var mm *rpc.MalformedMessage
		if err := a.validate(); !errors.As(err, &mm) {
			t.Errorf("%s: %v, want MalformedMessage", name, err)
		}
	}
}

// The refusals that leave the instance as it was are nova's list; anything
// else is unexpected (ERROR). A MaxRetriesExceeded is a NoValidHost.
func TestPreCheckFailure(t *testing.T) {
	for _, err := range []error{
		&exception.NoValidHost{}, &exception.MaxRetriesExceeded{}, &exception.ComputeHostNotFound{},
		&exception.ComputeServiceUnavailable{}, &exception.InvalidHypervisorType{}, &exception.UnableToMigrateToSelf{},
		&exception.DestinationHypervisorTooOld{}, &exception.InstanceInvalidState{}, &exception.MigrationSchedulerRPCError{},
		&virt.MigrationPreCheckError{}, &rpc.RemoteError{Type: "x"},
	} {
		if _, remote := err.(*rpc.RemoteError); remote {
			if preCheckFailure(err) {
				t.Errorf("an unregistered remote error counts as a refusal")
			}
			continue
		}
		if !preCheckFailure(err) {
			t.Errorf("%T is not a refusal", err)
		}
	}
	if preCheckFailure(errors.New("boom")) || preCheckFailure(&exception.UnexpectedTaskState{}) {
		t.Error("an unexpected error counts as a refusal")
	}
	var nvh *exception.NoValidHost
	if !errors.As(&exception.MaxRetriesExceeded{NoValidHost: exception.NoValidHost{Reason: "r"}}, &nvh) || nvh.Reason != "r" {
		t.Error("MaxRetriesExceeded is not a NoValidHost")
	}
}
