package conductor

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/scheduler"
)

// LiveMigrateInstanceArgs are live_migrate_instance's arguments, nova's
// (instance, scheduler_hint, block_migration, disk_over_commit,
// request_spec) reshaped for a conductor that reads the instance and
// builds the request spec itself.
type LiveMigrateInstanceArgs struct {
	// InstanceUUID names the instance. Nova sends the instance object;
	// the conductor here owns the store and reads the instance afresh,
	// so a caller's stale copy cannot decide the checks.
	InstanceUUID string `msgpack:"instance_uuid"`
	// Host is the destination the user asked for; empty lets the
	// scheduler choose. Without Force the scheduler still checks it
	// (nova's request_spec.requested_destination, API 2.68 and on).
	Host string `msgpack:"host,omitempty"`
	// Force skips the scheduler for Host (nova's scheduler_hint host,
	// the API's force=True): the conductor's own checks and a direct
	// claim in placement are all that stand between the request and the
	// destination.
	Force bool `msgpack:"force,omitempty"`
	// BlockMigration nil is the API's "auto": the computes decide from
	// their storage.
	BlockMigration *bool `msgpack:"block_migration"`
	DiskOverCommit bool  `msgpack:"disk_over_commit"`
}

// MigrateServerArgs are migrate_server's arguments. Nova's migrate_server
// serves cold migration and resize too; here it serves live migration
// only and refuses live=false.
type MigrateServerArgs struct {
	LiveMigrateInstanceArgs
	Live bool `msgpack:"live"`
}

// MigrateServerReply is the Migration of the request once the conductor
// handed it to the source compute: destination chosen and checked,
// status still as the conductor left it (the source moves it on).
type MigrateServerReply struct {
	Migration *objects.Migration `msgpack:"migration"`
}

// validate refuses arguments no migration could start from, before
// anything is read or written. method names the RPC method in the
// refusal.
func (a LiveMigrateInstanceArgs) validate(method string) error {
	bad := func(format string, args ...any) error {
		return &rpc.MalformedMessage{Reason: method + ": " + fmt.Sprintf(format, args...)}
	}
	u, err := uuid.Parse(a.InstanceUUID)
	if err != nil || u.String() != a.InstanceUUID {
		return bad("instance_uuid %q is not a uuid in canonical form", a.InstanceUUID)
	}
	if a.Force && a.Host == "" {
		return bad("force needs a host: there is nothing to force without one")
	}
	return nil
}

func (a MigrateServerArgs) validate() error {
	if err := a.LiveMigrateInstanceArgs.validate(MigrateServer.Spec.Name); err != nil {
		return err
	}
	if !a.Live {
		return &rpc.MalformedMessage{Reason: MigrateServer.Spec.Name + ": only live migration (live=true) is implemented"}
	}
	return nil
}

// LiveMigrateInstance casts live_migrate_instance to any conductor. The
// migration is followed in the store: the instance's task_state, the
// Migration of the instance and the "live-migration" action under ctx's
// request id. Arguments the conductor would refuse are refused here,
// since a cast has no reply to carry the refusal back.
func (a *TaskAPI) LiveMigrateInstance(ctx context.Context, args LiveMigrateInstanceArgs) error {
	if err := args.validate(LiveMigrateInstance.Spec.Name); err != nil {
		return err
	}
	return LiveMigrateInstance.Cast(ctx, a.client, args)
}

// MigrateServer calls migrate_server with live=true and waits until the
// conductor has chosen and checked the destination and handed the
// migration to the source, or refused it: the error is then the typed
// refusal (errors.As finds *exception.UnexpectedTaskState,
// *exception.NoValidHost, *virt.MigrationPreCheckError, ...).
//
// It waits up to long_rpc_timeout while the conductor heartbeats, as
// nova's migrate_server does: scheduling and the computes' checks may
// take long, and a conductor that died is noticed by its silence. ctx's
// deadline, if earlier, wins.
func (a *TaskAPI) MigrateServer(ctx context.Context, args LiveMigrateInstanceArgs) (*objects.Migration, error) {
	full := MigrateServerArgs{LiveMigrateInstanceArgs: args, Live: true}
	if err := full.validate(); err != nil {
		return nil, err
	}
	c, err := a.client.Prepare(rpc.Timeout(scheduler.LongRPCTimeout), rpc.CallMonitorTimeout(scheduler.CallMonitorTimeout))
	if err != nil {
		return nil, err
	}
	r, err := MigrateServer.Invoke(ctx, c, full)
	return r.Migration, err
}
