package compute

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/virt"
)

// buildResult is nova's build_results: how a build ended, which decides
// whether the scheduler's claim in placement is released.
type buildResult int

const (
	buildFailed buildResult = iota
	buildActive
)

// buildAndRunInstance is nova's build_and_run_instance. It checks the
// arguments and hands the build to a goroutine of its own (nova's
// spawn_n), so the RPC worker is free at once; nothing is written before
// the arguments are known good.
func (m *Manager) buildAndRunInstance(ctx context.Context, args BuildAndRunInstanceArgs) error {
	inst, err := m.decodeInstance(ctx, BuildAndRunInstance.Spec.Name, args.Instance)
	if err != nil {
		return err
	}
	if !m.work.start(m.work.detach(ctx), func(ctx context.Context) { m.lockedDoBuildAndRunInstance(ctx, inst, args.Node) }) {
		return fmt.Errorf("compute %s is stopping: build of %s not started", m.host, inst.UUID.Get())
	}
	return nil
}

// lockedDoBuildAndRunInstance builds with the instance locked and within
// max_concurrent_builds, and releases the scheduler's claim when the
// build failed (nova's _locked_do_build_and_run_instance).
func (m *Manager) lockedDoBuildAndRunInstance(ctx context.Context, inst *objects.Instance, node string) {
	uuid := inst.UUID.Get()
	log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid)
	unlock, err := m.locks.lock(ctx, uuid)
	if err != nil {
		// Only a stop that gave up waiting gets here; the instance is
		// untouched and the next start's recovery puts it in ERROR.
		log.Error("build abandoned before it started", "error", err)
		return
	}
	defer unlock()
	if m.builds != nil {
		select {
		case m.builds <- struct{}{}:
			defer func() { <-m.builds }()
		case <-ctx.Done():
			log.Error("build abandoned while waiting for max_concurrent_builds", "error", ctx.Err())
			return
		}
	}
	if m.doBuildAndRunInstance(ctx, inst, node) == buildFailed {
		m.releaseAllocation(ctx, uuid)
	}
}

// doBuildAndRunInstance is nova's _do_build_and_run_instance, recorded as
// the compute__do_build_and_run_instance event. Nova reschedules a build
// that failed on the hypervisor when the request carries retry
// information; ours carries none yet, so a failure is final: the instance
// goes to ERROR with a fault, off this host.
func (m *Manager) doBuildAndRunInstance(ctx context.Context, inst *objects.Instance, node string) buildResult {
	result := buildFailed
	_ = m.withInstanceEvent(ctx, EventBuildAndRunInstance, inst.UUID.Get(), func(ctx context.Context) error {
		var err error
		result, err = m.doBuild(ctx, inst, node)
		return err
	})
	return result
}

func (m *Manager) doBuild(ctx context.Context, inst *objects.Instance, node string) (buildResult, error) {
	log := rpc.Logger(ctx, m.log).With("instance_uuid", inst.UUID.Get())
	log.Debug("starting instance")
	inst.VMState.Set(objects.VMStateBuilding)
	inst.TaskState.SetNull()
	if err := m.conductor.SaveInstance(ctx, inst, objects.TaskScheduling, exception.NoTaskState); err != nil {
		var ute *exception.UnexpectedTaskState
		if isInstanceNotFound(err) || errors.As(err, &ute) {
			// Deleted, or taken by another operation, before the build
			// began: nothing of ours to undo.
			log.Info("instance disappeared or changed before the build; not building", "error", err)
			return buildFailed, nil
		}
		return buildFailed, err
	}
	start := time.Now()
	err := m.buildAndRun(ctx, inst, node)
	switch {
	case err == nil:
		log.Info("instance built", "seconds", time.Since(start).Seconds())
		return buildActive, nil
	case isDisappeared(err):
		// Deleted during the build: the delete cleans up what is left.
		log.Info("instance disappeared during the build", "error", err)
		return buildFailed, nil
	}
	log.Error("build failed, not rescheduling", "error", err)
	cctx, cancel := m.cleanupContext(ctx)
	defer cancel()
	m.failBuild(cctx, inst.UUID.Get(), err)
	return buildFailed, err
}

// buildAndRun is nova's _build_and_run_instance: claim (the instance is
// placed on this host and counted), spawning, the driver's spawn, then
// active. A failure before the instance is active undoes the guest and
// the claim; once it is active a deletion owns the cleanup.
func (m *Manager) buildAndRun(ctx context.Context, inst *objects.Instance, node string) error {
	guest, err := guestSpecOf(inst)
	if err != nil {
		return err
	}
	if err := m.rt.instanceClaim(ctx, inst, node); err != nil {
		return err
	}
	if err := m.spawn(ctx, inst, guest); err != nil {
		m.undoSpawn(ctx, inst)
		return err
	}
	// nova's _update_instance_after_spawn.
	power, err := m.driver.PowerState(inst.UUID.Get())
	if err != nil {
		m.undoSpawn(ctx, inst)
		return fmt.Errorf("power state after spawn: %w", err)
	}
	inst.PowerState.Set(objects.PowerState(power))
	inst.VMState.Set(objects.VMStateActive)
	inst.TaskState.SetNull()
	inst.LaunchedAt.Set(m.now())
	if err := m.conductor.SaveInstance(ctx, inst, objects.TaskSpawning); err != nil {
		if !isDisappeared(err) {
			m.undoSpawn(ctx, inst)
		}
		return err
	}
	return nil
}

// spawn marks the instance spawning and has the driver start it. Nova sets
// block_device_mapping between the claim and spawning, for its volumes;
// there are none here, so spawning follows the cleared task state.
func (m *Manager) spawn(ctx context.Context, inst *objects.Instance, guest virt.GuestSpec) error {
	inst.VMState.Set(objects.VMStateBuilding)
	inst.TaskState.Set(objects.TaskSpawning)
	if err := m.conductor.SaveInstance(ctx, inst, exception.NoTaskState); err != nil {
		return err
	}
	rpc.Logger(ctx, m.log).Debug("spawning the instance on the hypervisor", "instance_uuid", guest.UUID)
	return m.driver.Spawn(ctx, guest)
}

// undoSpawn removes what a failed build left on this host: the guest, if
// the driver got that far (nova's _shutdown_instance), and the claim
// (nova's abort_instance_claim).
func (m *Manager) undoSpawn(ctx context.Context, inst *objects.Instance) {
	ctx, cancel := m.cleanupContext(ctx)
	defer cancel()
	uuid := inst.UUID.Get()
	if err := m.driver.Destroy(ctx, uuid); err != nil && !errors.Is(err, virt.ErrInstanceNotFound) {
		rpc.Logger(ctx, m.log).Warn("guest of a failed build not destroyed", "instance_uuid", uuid, "error", err)
	}
	m.rt.removeInstance(ctx, uuid)
}

// failBuild records a failed build as nova does: a fault with the error,
// the instance off this host (host, node, launched_on and availability
// zone cleared) and in ERROR with no task. It writes a fresh update rather
// than the build's copy, which may hold changes a failed save left.
func (m *Manager) failBuild(ctx context.Context, uuid string, cause error) {
	upd := errorUpdate(uuid)
	upd.TaskState.SetNull()
	upd.PowerState.Set(objects.PowerNoState) // undoSpawn destroyed the guest
	upd.Host.SetNull()
	upd.Node.SetNull()
	upd.LaunchedOn.SetNull()
	upd.AvailabilityZone.SetNull()
	upd.Fault.Set(newFault(uuid, m.host, cause))
	m.saveErrorState(ctx, upd)
}

// releaseAllocation releases the instance's claims in placement through
// the conductor (nova's delete_allocation_for_instance). A failure is
// logged: the allocation then holds room until the instance is deleted.
func (m *Manager) releaseAllocation(ctx context.Context, uuid string) {
	ctx, cancel := m.cleanupContext(ctx)
	defer cancel()
	log := rpc.Logger(ctx, m.log).With("instance_uuid", uuid)
	released, err := m.api.DeleteAllocationForInstance(ctx, uuid)
	if err != nil {
		log.Error("allocations in placement not released", "error", err)
		return
	}
	log.Info("allocations in placement released", "nodes", len(released))
}

// guestSpecOf is what the driver needs to boot the instance: its flavor's
// sizes. Sizes no driver could use fail the build (nova's InvalidInput
// build abort), before anything is claimed.
func guestSpecOf(inst *objects.Instance) (virt.GuestSpec, error) {
	u := usageOf(inst)
	g := virt.GuestSpec{
		UUID:     inst.UUID.Get(),
		Name:     inst.DisplayName.Get(),
		VCPUs:    u.VCPUs,
		MemoryMB: u.MemoryMB,
		DiskGB:   u.LocalGB,
	}
	return g, g.Validate()
}
