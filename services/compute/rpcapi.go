package compute

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
)

// Topic is the compute's RPC topic. Every method is sent to one compute,
// on compute.<host>.
const Topic = "compute"

// APIVersion is the version of the compute's API (namespace ""), nova's
// ComputeAPI 6.x.
const APIVersion = "6.0"

// The compute's API: nova's compute/rpcapi.py, the methods this part
// implements. A caller writes API.BuildAndRunInstance(ctx, host, ...), the
// manager registers a handler for the same descriptor, and "find
// references" on a descriptor leads from one to the other.
var (
	// BuildAndRunInstance builds an instance the scheduler placed on
	// this host. A cast, as in nova: the build takes as long as the
	// hypervisor needs, and its outcome is the instance's vm_state and
	// the compute__do_build_and_run_instance action event.
	BuildAndRunInstance = rpc.DefineCast[BuildAndRunInstanceArgs](Topic, "", "build_and_run_instance", "6.0", false)
	// TerminateInstance deletes an instance from this host. A cast, as in
	// nova; the outcome is the record's deletion, or vm_state error.
	TerminateInstance = rpc.DefineCast[TerminateInstanceArgs](Topic, "", "terminate_instance", "6.0", false)
	// GetInstanceDiagnostics reports what the hypervisor says about one
	// of its guests (nova's `server diagnostics`): read-only.
	GetInstanceDiagnostics = rpc.DefineCall[GetInstanceDiagnosticsArgs, InstanceDiagnostics](Topic, "", "get_instance_diagnostics", "6.0")

	// Live migration, nova's sequence, each method on the host that
	// does the step (handlers in live_migration*.go):
	//
	//   check_can_live_migrate_destination   call, on the destination (from the conductor)
	//   check_can_live_migrate_source        call, on the source (from the destination)
	//   pre_live_migration                   call, on the destination (from the source)
	//   live_migration                       cast, on the source (from the conductor)
	//   live_migration_abort                 cast, on the source (from the API)
	//   live_migration_force_complete        cast, on the source (from the API)
	//   post_live_migration_at_destination   call, on the destination (from the source)
	//   rollback_live_migration_at_destination  cast, on the destination (from the source)

	// CheckCanLiveMigrateDestination asks the destination whether it can
	// take the instance; the destination asks the source in turn. It
	// replies with the migrate data (an objects.LiveMigrateData
	// primitive) the conductor passes to live_migration. A call with the
	// long timeout and the call monitor, as nova's.
	CheckCanLiveMigrateDestination = rpc.DefineCall[CheckCanLiveMigrateDestinationArgs, objects.Primitive](Topic, "", "check_can_live_migrate_destination", "6.0")
	// CheckCanLiveMigrateSource is the source's half of the pre-check,
	// called by the destination with its own findings.
	CheckCanLiveMigrateSource = rpc.DefineCall[CheckCanLiveMigrateSourceArgs, objects.Primitive](Topic, "", "check_can_live_migrate_source", "6.0")
	// PreLiveMigration has the destination prepare to receive the guest.
	// The source calls it with long_rpc_timeout and the call monitor:
	// plugging networks and volumes may take minutes, and the monitor
	// tells a slow destination from a dead one.
	PreLiveMigration = rpc.DefineCall[PreLiveMigrationArgs, objects.Primitive](Topic, "", "pre_live_migration", "6.0")
	// LiveMigration starts the migration on the source. A cast: it runs
	// as long as the copy takes, and its outcome is the Migration's
	// status and the instance's host.
	LiveMigration = rpc.DefineCast[LiveMigrationArgs](Topic, "", "live_migration", "6.0", false)
	// LiveMigrationAbort cancels a queued or running live migration.
	LiveMigrationAbort = rpc.DefineCast[LiveMigrationAbortArgs](Topic, "", "live_migration_abort", "6.0", false)
	// LiveMigrationForceComplete asks the running migration to finish now
	// (post-copy if permitted, else pause the guest).
	LiveMigrationForceComplete = rpc.DefineCast[LiveMigrationForceCompleteArgs](Topic, "", "live_migration_force_complete", "6.0", false)
	// PostLiveMigrationAtDestination finishes the guest on the
	// destination and moves the instance record to it. A call with the
	// long timeout and the call monitor, as nova's: the source cleans up
	// only once the destination owns the instance.
	PostLiveMigrationAtDestination = rpc.DefineCall[PostLiveMigrationAtDestinationArgs, rpc.NoReply](Topic, "", "post_live_migration_at_destination", "6.0")
	// RollbackLiveMigrationAtDestination removes what pre_live_migration
	// prepared on the destination after a failed or cancelled migration.
	RollbackLiveMigrationAtDestination = rpc.DefineCast[RollbackLiveMigrationAtDestinationArgs](Topic, "", "rollback_live_migration_at_destination", "6.0", false)
)

// BuildAndRunInstanceArgs are build_and_run_instance's arguments. Nova's
// image, request_spec, filter_properties, networks and block devices have
// no counterpart yet: the simulated hypervisor boots from the flavor alone.
type BuildAndRunInstanceArgs struct {
	// Instance is the instance as the conductor created it (vm_state
	// building, task_state scheduling or null). It travels as a
	// primitive so that the compute decodes it itself and can ask the
	// conductor for a backport when it is newer than the compute reads.
	Instance objects.Primitive `msgpack:"instance"`
	// Node is the hypervisor node the scheduler picked (its
	// hypervisor_hostname); empty means this host's only node.
	Node string `msgpack:"node,omitempty"`
}

// TerminateInstanceArgs are terminate_instance's arguments (nova's bdms
// have no counterpart yet).
type TerminateInstanceArgs struct {
	Instance objects.Primitive `msgpack:"instance"`
}

// GetInstanceDiagnosticsArgs name the guest. Nova sends the whole
// instance; the uuid is all the hypervisor needs.
type GetInstanceDiagnosticsArgs struct {
	InstanceUUID string `msgpack:"instance_uuid"`
}

// InstanceDiagnostics is the subset of nova's Diagnostics object the
// virt driver can answer.
type InstanceDiagnostics struct {
	// State is the guest's power state by nova's name ("running").
	State string `msgpack:"state"`
	// Driver is the hypervisor type ("sim").
	Driver string `msgpack:"driver"`
	// HypervisorHostname is the node running the guest.
	HypervisorHostname string `msgpack:"hypervisor_hostname"`
}

// CheckCanLiveMigrateDestinationArgs are check_can_live_migrate_destination's
// arguments (nova 6.x: instance, destination, block_migration,
// disk_over_commit, migration, limits; limits have no counterpart here).
type CheckCanLiveMigrateDestinationArgs struct {
	Instance objects.Primitive `msgpack:"instance"`
	// Destination is the host asked, nova's 'destination'.
	Destination string `msgpack:"destination"`
	// BlockMigration nil leaves the choice to the drivers (the API's
	// 'auto'), as nova's None.
	BlockMigration *bool `msgpack:"block_migration"`
	DiskOverCommit bool  `msgpack:"disk_over_commit"`
	// Migration is the live migration's record (objects.Migration), nil
	// for none.
	Migration objects.Primitive `msgpack:"migration,omitempty"`
}

// CheckCanLiveMigrateSourceArgs are check_can_live_migrate_source's
// arguments: the destination's findings as migrate data.
type CheckCanLiveMigrateSourceArgs struct {
	Instance      objects.Primitive `msgpack:"instance"`
	DestCheckData objects.Primitive `msgpack:"dest_check_data"`
}

// PreLiveMigrationArgs are pre_live_migration's arguments (nova's disk
// info has no counterpart: the simulated disks need none).
type PreLiveMigrationArgs struct {
	Instance       objects.Primitive `msgpack:"instance"`
	BlockMigration bool              `msgpack:"block_migration"`
	MigrateData    objects.Primitive `msgpack:"migrate_data"`
}

// LiveMigrationArgs are live_migration's arguments, as nova's: the
// destination host, block_migration, the Migration the conductor created
// and the migrate data check_can_live_migrate_destination returned.
type LiveMigrationArgs struct {
	Instance       objects.Primitive `msgpack:"instance"`
	Dest           string            `msgpack:"dest"`
	BlockMigration bool              `msgpack:"block_migration"`
	Migration      objects.Primitive `msgpack:"migration"`
	MigrateData    objects.Primitive `msgpack:"migrate_data"`
}

// LiveMigrationAbortArgs are live_migration_abort's arguments: the
// migration by id, as nova's.
type LiveMigrationAbortArgs struct {
	Instance    objects.Primitive `msgpack:"instance"`
	MigrationID int               `msgpack:"migration_id"`
}

// LiveMigrationForceCompleteArgs are live_migration_force_complete's
// arguments; nova 6.x sends the instance alone (the migration only picks
// the host).
type LiveMigrationForceCompleteArgs struct {
	Instance objects.Primitive `msgpack:"instance"`
}

// PostLiveMigrationAtDestinationArgs are
// post_live_migration_at_destination's arguments. Nova's are instance and
// block_migration; the migrate data is ours in addition, for the driver's
// finishing step (omitted, the destination uses what it kept from
// pre_live_migration).
type PostLiveMigrationAtDestinationArgs struct {
	Instance       objects.Primitive `msgpack:"instance"`
	BlockMigration bool              `msgpack:"block_migration"`
	MigrateData    objects.Primitive `msgpack:"migrate_data,omitempty"`
}

// RollbackLiveMigrationAtDestinationArgs are
// rollback_live_migration_at_destination's arguments, as nova's.
type RollbackLiveMigrationAtDestinationArgs struct {
	Instance     objects.Primitive `msgpack:"instance"`
	DestroyDisks bool              `msgpack:"destroy_disks"`
	MigrateData  objects.Primitive `msgpack:"migrate_data,omitempty"`
}

// API is the typed client of the compute API. Every method takes the host
// it is for and sends to that compute alone, as nova's
// client.prepare(server=host).
type API struct {
	client *rpc.Client
	// long is nova's long_rpc_timeout and monitor its call monitor
	// timeout (rpc_response_timeout) for the calls nova makes with both.
	long, monitor time.Duration
}

// DefaultLongRPCTimeout is nova's long_rpc_timeout default.
const DefaultLongRPCTimeout = 1800 * time.Second

// NewAPI returns a compute client on nc. Options are the rpc client's
// (Timeout, VersionCap, SubjectPrefix, WithMetrics, ...).
func NewAPI(nc *nats.Conn, opts ...rpc.ClientOption) (*API, error) {
	c, err := rpc.NewClient(nc, rpc.Target{Topic: Topic, Version: APIVersion}, opts...)
	if err != nil {
		return nil, err
	}
	return &API{client: c, long: DefaultLongRPCTimeout, monitor: rpc.DefaultTimeout}, nil
}

// WithLongRPCTimeout returns a copy of a whose long calls
// (check_can_live_migrate_destination, pre_live_migration,
// post_live_migration_at_destination) wait up to long (nova's
// long_rpc_timeout) while the server heartbeats at least every monitor
// (nova passes rpc_response_timeout as call_monitor_timeout). Zero keeps
// the current value.
func (a *API) WithLongRPCTimeout(long, monitor time.Duration) *API {
	b := *a
	if long > 0 {
		b.long = long
	}
	if monitor > 0 {
		b.monitor = monitor
	}
	return &b
}

// toLong prepares the client for a long call to host.
func (a *API) toLong(host string) (*rpc.Client, error) {
	return a.client.Prepare(rpc.ToServer(host), rpc.Timeout(a.long), rpc.CallMonitorTimeout(a.monitor))
}

// to prepares the client for one compute host.
func (a *API) to(host string) (*rpc.Client, error) {
	return a.client.Prepare(rpc.ToServer(host))
}

func instancePrimitive(method string, inst *objects.Instance) (objects.Primitive, error) {
	if inst == nil {
		return nil, fmt.Errorf("compute: %s: no instance", method)
	}
	p, err := inst.ToPrimitive()
	if err != nil {
		return nil, fmt.Errorf("compute: %s: %w", method, err)
	}
	return p, nil
}

// BuildAndRunInstance casts build_and_run_instance to host for inst on
// node ("" for the host's only node).
func (a *API) BuildAndRunInstance(ctx context.Context, host string, inst *objects.Instance, node string) error {
	c, err := a.to(host)
	if err != nil {
		return err
	}
	p, err := instancePrimitive(BuildAndRunInstance.Spec.Name, inst)
	if err != nil {
		return err
	}
	return BuildAndRunInstance.Cast(ctx, c, BuildAndRunInstanceArgs{Instance: p, Node: node})
}

// TerminateInstance casts terminate_instance to host, the compute running
// inst.
func (a *API) TerminateInstance(ctx context.Context, host string, inst *objects.Instance) error {
	c, err := a.to(host)
	if err != nil {
		return err
	}
	p, err := instancePrimitive(TerminateInstance.Spec.Name, inst)
	if err != nil {
		return err
	}
	return TerminateInstance.Cast(ctx, c, TerminateInstanceArgs{Instance: p})
}

// GetInstanceDiagnostics calls get_instance_diagnostics on host.
func (a *API) GetInstanceDiagnostics(ctx context.Context, host, instanceUUID string) (InstanceDiagnostics, error) {
	c, err := a.to(host)
	if err != nil {
		return InstanceDiagnostics{}, err
	}
	return GetInstanceDiagnostics.Invoke(ctx, c, GetInstanceDiagnosticsArgs{InstanceUUID: instanceUUID})
}

// optionalPrimitive is o as a primitive, nil for no object.
func optionalPrimitive(method, what string, o objects.Object) (objects.Primitive, error) {
	if o == nil {
		return nil, nil
	}
	p, err := o.ToPrimitive()
	if err != nil {
		return nil, fmt.Errorf("compute: %s: %s: %w", method, what, err)
	}
	return p, nil
}

// migrateDataPrimitive is data as a primitive, nil for none.
func migrateDataPrimitive(method string, data *objects.LiveMigrateData) (objects.Primitive, error) {
	if data == nil {
		return nil, nil
	}
	return optionalPrimitive(method, "migrate_data", data)
}

// decodeMigrateData reads a migrate data reply.
func decodeMigrateData(method string, p objects.Primitive) (*objects.LiveMigrateData, error) {
	if p == nil {
		return nil, fmt.Errorf("compute: %s: no migrate data in the reply", method)
	}
	d := &objects.LiveMigrateData{}
	if err := d.ObjFromPrimitive(p); err != nil {
		return nil, fmt.Errorf("compute: %s: reply: %w", method, err)
	}
	return d, nil
}

// CheckCanLiveMigrateDestination calls check_can_live_migrate_destination
// on dest for inst (on its source, inst.Host) and returns the migrate
// data to pass to LiveMigration. blockMigration nil lets the drivers
// decide; migration may be nil. Refusals come back as
// *virt.MigrationPreCheckError (errors.As), from either host's check.
func (a *API) CheckCanLiveMigrateDestination(ctx context.Context, dest string, inst *objects.Instance, blockMigration *bool, diskOverCommit bool, migration *objects.Migration) (*objects.LiveMigrateData, error) {
	m := CheckCanLiveMigrateDestination.Spec.Name
	c, err := a.toLong(dest)
	if err != nil {
		return nil, err
	}
	p, err := instancePrimitive(m, inst)
	if err != nil {
		return nil, err
	}
	args := CheckCanLiveMigrateDestinationArgs{Instance: p, Destination: dest, BlockMigration: blockMigration, DiskOverCommit: diskOverCommit}
	if migration != nil {
		if args.Migration, err = optionalPrimitive(m, "migration", migration); err != nil {
			return nil, err
		}
	}
	r, err := CheckCanLiveMigrateDestination.Invoke(ctx, c, args)
	if err != nil {
		return nil, err
	}
	return decodeMigrateData(m, r)
}

// CheckCanLiveMigrateSource calls check_can_live_migrate_source on source
// with the destination's check data.
func (a *API) CheckCanLiveMigrateSource(ctx context.Context, source string, inst *objects.Instance, destCheckData *objects.LiveMigrateData) (*objects.LiveMigrateData, error) {
	m := CheckCanLiveMigrateSource.Spec.Name
	c, err := a.to(source)
	if err != nil {
		return nil, err
	}
	p, err := instancePrimitive(m, inst)
	if err != nil {
		return nil, err
	}
	if destCheckData == nil {
		return nil, fmt.Errorf("compute: %s: no dest_check_data", m)
	}
	d, err := migrateDataPrimitive(m, destCheckData)
	if err != nil {
		return nil, err
	}
	r, err := CheckCanLiveMigrateSource.Invoke(ctx, c, CheckCanLiveMigrateSourceArgs{Instance: p, DestCheckData: d})
	if err != nil {
		return nil, err
	}
	return decodeMigrateData(m, r)
}

// PreLiveMigration calls pre_live_migration on dest, with the long timeout
// and the call monitor, and returns the destination's migrate data.
func (a *API) PreLiveMigration(ctx context.Context, dest string, inst *objects.Instance, blockMigration bool, data *objects.LiveMigrateData) (*objects.LiveMigrateData, error) {
	m := PreLiveMigration.Spec.Name
	c, err := a.toLong(dest)
	if err != nil {
		return nil, err
	}
	p, err := instancePrimitive(m, inst)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return nil, fmt.Errorf("compute: %s: no migrate_data", m)
	}
	d, err := migrateDataPrimitive(m, data)
	if err != nil {
		return nil, err
	}
	r, err := PreLiveMigration.Invoke(ctx, c, PreLiveMigrationArgs{Instance: p, BlockMigration: blockMigration, MigrateData: d})
	if err != nil {
		return nil, err
	}
	return decodeMigrateData(m, r)
}

// LiveMigration casts live_migration to source (inst.Host), which migrates
// inst to dest. migration is the record the conductor created for it
// (status accepted, or pre-migrating); data is what
// CheckCanLiveMigrateDestination returned.
func (a *API) LiveMigration(ctx context.Context, source string, inst *objects.Instance, dest string, blockMigration bool, migration *objects.Migration, data *objects.LiveMigrateData) error {
	m := LiveMigration.Spec.Name
	c, err := a.to(source)
	if err != nil {
		return err
	}
	p, err := instancePrimitive(m, inst)
	if err != nil {
		return err
	}
	if migration == nil || data == nil {
		return errors.New("compute: live_migration needs the migration and the migrate data")
	}
	mp, err := optionalPrimitive(m, "migration", migration)
	if err != nil {
		return err
	}
	d, err := migrateDataPrimitive(m, data)
	if err != nil {
		return err
	}
	return LiveMigration.Cast(ctx, c, LiveMigrationArgs{Instance: p, Dest: dest, BlockMigration: blockMigration, Migration: mp, MigrateData: d})
}

// LiveMigrationAbort casts live_migration_abort to the instance's host,
// for the migration of id migrationID.
func (a *API) LiveMigrationAbort(ctx context.Context, inst *objects.Instance, migrationID int) error {
	m := LiveMigrationAbort.Spec.Name
	p, err := instancePrimitive(m, inst)
	if err != nil {
		return err
	}
	c, err := a.to(inst.Host.Get())
	if err != nil {
		return err
	}
	return LiveMigrationAbort.Cast(ctx, c, LiveMigrationAbortArgs{Instance: p, MigrationID: migrationID})
}

// LiveMigrationForceComplete casts live_migration_force_complete to the
// migration's source compute (the instance's host when the migration
// names none), as nova's.
func (a *API) LiveMigrationForceComplete(ctx context.Context, inst *objects.Instance, migration *objects.Migration) error {
	m := LiveMigrationForceComplete.Spec.Name
	p, err := instancePrimitive(m, inst)
	if err != nil {
		return err
	}
	host := inst.Host.Get()
	if migration != nil && migration.SourceCompute.Get() != "" {
		host = migration.SourceCompute.Get()
	}
	c, err := a.to(host)
	if err != nil {
		return err
	}
	return LiveMigrationForceComplete.Cast(ctx, c, LiveMigrationForceCompleteArgs{Instance: p})
}

// PostLiveMigrationAtDestination calls post_live_migration_at_destination
// on dest, with the long timeout and the call monitor. data may be nil.
func (a *API) PostLiveMigrationAtDestination(ctx context.Context, dest string, inst *objects.Instance, blockMigration bool, data *objects.LiveMigrateData) error {
	m := PostLiveMigrationAtDestination.Spec.Name
	c, err := a.toLong(dest)
	if err != nil {
		return err
	}
	p, err := instancePrimitive(m, inst)
	if err != nil {
		return err
	}
	d, err := migrateDataPrimitive(m, data)
	if err != nil {
		return err
	}
	_, err = PostLiveMigrationAtDestination.Invoke(ctx, c, PostLiveMigrationAtDestinationArgs{Instance: p, BlockMigration: blockMigration, MigrateData: d})
	return err
}

// RollbackLiveMigrationAtDestination casts
// rollback_live_migration_at_destination to dest. data may be nil.
func (a *API) RollbackLiveMigrationAtDestination(ctx context.Context, dest string, inst *objects.Instance, destroyDisks bool, data *objects.LiveMigrateData) error {
	m := RollbackLiveMigrationAtDestination.Spec.Name
	c, err := a.to(dest)
	if err != nil {
		return err
	}
	p, err := instancePrimitive(m, inst)
	if err != nil {
		return err
	}
	d, err := migrateDataPrimitive(m, data)
	if err != nil {
		return err
	}
	return RollbackLiveMigrationAtDestination.Cast(ctx, c, RollbackLiveMigrationAtDestinationArgs{Instance: p, DestroyDisks: destroyDisks, MigrateData: d})
}
