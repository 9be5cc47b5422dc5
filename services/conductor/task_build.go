package conductor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/scheduler"
)

// scheduleAndBuildInstances is nova's ComputeTaskManager.
// schedule_and_build_instances. For each build request it creates the
// instance (vm_state building, task_state scheduling) and its "create"
// action; then it asks the scheduler for a host per instance, which claims
// the instance's resources in placement; then it places each instance on
// its host and casts build_and_run_instance to that compute. An instance
// the scheduler cannot place goes to ERROR with a fault saying why.
//
// Nova schedules first and creates the instance after (in cell0 when
// scheduling failed). Creating first means the caller can follow the
// instance by its uuid from the moment it casts, whatever happens next,
// and an instance only ever exists once: a retried cast finds it and
// leaves it alone.
func (t *TaskManager) scheduleAndBuildInstances(ctx context.Context, args ScheduleAndBuildInstancesArgs) error {
	if err := args.validate(); err != nil {
		return err
	}
	if err := t.ready(); err != nil {
		return err
	}
	log := rpc.Logger(ctx, t.log).With("method", ScheduleAndBuildInstances.Spec.Name)
	var boots []*boot
	for _, br := range args.BuildRequests {
		if b := t.createInstance(ctx, log, br); b != nil {
			boots = append(boots, b)
		}
	}
	for _, group := range schedulingGroups(boots) {
		t.scheduleAndBuild(ctx, log, group)
	}
	return nil
}

// boot is one instance of the request on its way to a compute.
type boot struct {
	inst *objects.Instance
	// key is what the scheduler is asked for it: instances with equal
	// keys are placed by one select_destinations.
	key string
}

func (b *boot) uuid() string { return b.inst.UUID.Get() }

// createInstance stores the instance of br and starts its "create" action
// and the conductor's event. It returns nil when there is nothing to
// build: the instance already exists (a retried cast; that instance is
// already on its way, or in ERROR, and is not touched), or it could not
// be stored.
func (t *TaskManager) createInstance(ctx context.Context, log *slog.Logger, br BuildRequest) *boot {
	log = log.With("instance_uuid", br.InstanceUUID)
	rc, _ := rpc.RequestContextFrom(ctx)
	inst := newInstance(br, rc)
	key, err := schedulingKey(inst)
	if err != nil {
		log.Error("instance not created: its flavor does not encode", "error", err)
		return nil
	}
	if err := t.store.Instances.Create(ctx, inst); err != nil {
		// Create fails the same way for a uuid that exists as for a
		// store that failed; a look-up tells them apart.
		if _, gerr := t.store.Instances.Get(ctx, br.InstanceUUID); gerr == nil {
			log.Info("instance already exists, not building it again (a retried request?)")
			return nil
		}
		log.Error("instance not created", "error", err)
		return nil
	}
	t.actionStart(ctx, log, inst)
	t.eventStart(ctx, log, inst.UUID.Get(), EventScheduleAndBuildInstances)
	return &boot{inst: inst, key: key}
}

// newInstance is the record nova-api's BuildRequest turns into: building,
// scheduling, on no host yet, with the flavor's sizes copied into the
// flat fields the resource tracker counts.
func newInstance(br BuildRequest, rc rpc.RequestContext) *objects.Instance {
	fl := br.Flavor
	inst := new(objects.Instance)
	inst.UUID.Set(br.InstanceUUID)
	inst.DisplayName.Set(br.DisplayName)
	setOrNull(&inst.UserID, firstNonEmpty(br.UserID, rc.UserID))
	setOrNull(&inst.ProjectID, firstNonEmpty(br.ProjectID, rc.ProjectID))
	setOrNull(&inst.AvailabilityZone, br.AvailabilityZone)
	inst.VMState.Set(objects.VMStateBuilding)
	inst.TaskState.Set(objects.TaskScheduling)
	inst.PowerState.Set(objects.PowerNoState)
	inst.VCPUs.Set(fl.VCPUs.Get())
	inst.MemoryMB.Set(fl.MemoryMB.Get())
	inst.RootGB.Set(fl.RootGB.Get())
	inst.EphemeralGB.Set(fl.EphemeralGB.Get())
	inst.Flavor.Set(fl)
	inst.Host.SetNull()
	inst.Node.SetNull()
	inst.LaunchedOn.SetNull()
	inst.Metadata.Set(map[string]string{})
	return inst
}

// schedulingKey is what decides where an instance can go: its flavor,
// zone and owner. The flavor is compared in its wire form, which encodes
// with sorted keys, without the change marks the caller's copy may carry.
func schedulingKey(inst *objects.Instance) (string, error) {
	p, err := inst.Flavor.Get().ToPrimitive()
	if err != nil {
		return "", err
	}
	delete(p, objects.KeyChanges)
	b, err := msgpack.Marshal([]any{p, inst.AvailabilityZone.Get(), inst.UserID.Get(), inst.ProjectID.Get()})
	return string(b), err
}

// schedulingGroups splits the request's instances into those that one
// select_destinations can place, in the order they were asked for. Nova
// sends one request spec for all instances of a boot, since nova-api makes
// them alike; ours groups alike instances so that a caller mixing flavors
// gets each group placed whole or not at all, as nova's multi-create is.
func schedulingGroups(boots []*boot) [][]*boot {
	var groups [][]*boot
	index := map[string]int{}
	for _, b := range boots {
		i, ok := index[b.key]
		if !ok {
			i = len(groups)
			index[b.key] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], b)
	}
	return groups
}

// requestSpec is what the scheduler is asked to place for a group.
func requestSpec(group []*boot) *objects.RequestSpec {
	first := group[0].inst
	spec := new(objects.RequestSpec)
	spec.InstanceUUID.Set(first.UUID.Get())
	copyString(&spec.UserID, &first.UserID)
	copyString(&spec.ProjectID, &first.ProjectID)
	copyString(&spec.AvailabilityZone, &first.AvailabilityZone)
	spec.Flavor.Set(first.Flavor.Get())
	spec.NumInstances.Set(len(group))
	spec.IsBFV.Set(false)
	return spec
}

// scheduleAndBuild places one group and sends each instance to its host.
// A NoValidHost puts every instance of the group in ERROR (the scheduler
// has released what it claimed for them); any other failure of the
// scheduler leaves its claims in doubt (a timeout, a scheduler that died
// mid-request), so they are released here before the instances go to
// ERROR.
func (t *TaskManager) scheduleAndBuild(ctx context.Context, log *slog.Logger, group []*boot) {
	uuids := make([]string, len(group))
	for i, b := range group {
		uuids[i] = b.uuid()
		t.eventStart(ctx, log, b.uuid(), EventScheduleInstances)
	}
	hostLists, err := t.selectDestinations(ctx, requestSpec(group), uuids)
	for _, b := range group {
		t.eventFinish(ctx, log, b.uuid(), EventScheduleInstances, err)
	}
	if err != nil {
		if !isNoValidHost(err) {
			log.Error("scheduling failed", "instance_uuids", uuids, "error", err)
			t.releaseClaims(ctx, log, uuids...)
		}
		for _, b := range group {
			t.buryInstance(ctx, log, b.uuid(), err)
		}
		return
	}
	for i, b := range group {
		t.buildOn(ctx, log, b, hostLists[i])
	}
}

// selectDestinations asks any scheduler for a host per instance, with
// alternates, and checks that the answer has the shape it must have
// before anything is built from it.
func (t *TaskManager) selectDestinations(ctx context.Context, spec *objects.RequestSpec, uuids []string) (scheduler.Selections, error) {
	sels, err := t.scheduler.SelectDestinations(ctx, scheduler.SelectDestinationsArgs{
		RequestSpec: spec, InstanceUUIDs: uuids, ReturnObjects: true, ReturnAlternates: true,
	})
	if err != nil {
		return nil, err
	}
	if len(sels) != len(uuids) {
		return nil, fmt.Errorf("select_destinations answered %d host lists for %d instances", len(sels), len(uuids))
	}
	for i, list := range sels {
		if len(list) == 0 || list[0] == nil || list[0].ServiceHost.Get() == "" {
			return nil, fmt.Errorf("select_destinations chose no host for instance %s", uuids[i])
		}
	}
	return sels, nil
}

// buildOn places the instance on the first host of its list, whose
// resources the scheduler claimed for it, and casts the build to that
// compute. The alternates are not used yet: nova hands them to the
// compute for a reschedule after a failed spawn, which ours does not do
// yet (a failed spawn is final), and the cast itself cannot tell a dead
// compute from a live one.
func (t *TaskManager) buildOn(ctx context.Context, log *slog.Logger, b *boot, hosts []*objects.Selection) {
	sel := hosts[0]
	host, node := sel.ServiceHost.Get(), sel.Nodename.Get()
	log = log.With("instance_uuid", b.uuid(), "host", host, "node", node)
	inst := b.inst
	// Host and node now, as nova's compute sets them when it claims:
	// the instance can be found on its host from here on, and a compute
	// that restarts before it built it puts it in ERROR.
	inst.Host.Set(host)
	inst.Node.Set(node)
	// The zone is the host's, as nova's conductor sets it before it
	// creates the instance.
	if az, ok := sel.AvailabilityZone.Lookup(); ok && az != "" {
		inst.AvailabilityZone.Set(az)
	}
	if err := t.store.Instances.Save(ctx, inst, objects.TaskScheduling); err != nil {
		t.releaseClaims(ctx, log, b.uuid())
		if instanceGone(err) {
			log.Info("instance deleted while it was scheduled; not building it", "error", err)
			t.eventFinish(ctx, log, b.uuid(), EventScheduleAndBuildInstances, err)
			return
		}
		t.buryInstance(ctx, log, b.uuid(), fmt.Errorf("place instance on %s: %w", host, err))
		return
	}
	if err := t.compute.BuildAndRunInstance(ctx, host, inst, node); err != nil {
		t.releaseClaims(ctx, log, b.uuid())
		t.buryInstance(ctx, log, b.uuid(), fmt.Errorf("build_and_run_instance not sent to %s: %w", host, err))
		return
	}
	log.Info("build sent to the compute", "alternates", len(hosts)-1)
	t.eventFinish(ctx, log, b.uuid(), EventScheduleAndBuildInstances, nil)
}

func isNoValidHost(err error) bool {
	var nvh *exception.NoValidHost
	return errors.As(err, &nvh)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// setOrNull sets n to v, or to null when v is empty.
func setOrNull(n *objects.Nullable[string], v string) {
	if v == "" {
		n.SetNull()
		return
	}
	n.Set(v)
}
