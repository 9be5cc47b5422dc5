package conductor

import (
	"context"
	"errors"
	"fmt"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/compute/virt"
)

// The checks of nova's LiveMigrationTask, in the order it runs them:
//
//	_check_instance_is_active                 InstanceInvalidState
//	_check_host_is_up(source)                 ComputeServiceUnavailable
//	with a destination named:
//	  _check_destination_is_not_source        UnableToMigrateToSelf
//	  _check_host_is_up(dest)                 ComputeServiceUnavailable
//	  _check_destination_has_enough_memory    MigrationPreCheckError
//	  _check_compatible_with_source_hypervisor InvalidHypervisorType, DestinationHypervisorTooOld
//	  _call_livem_checks_on_host              the computes' MigrationPreCheckError
//	without: per host the scheduler offers,
//	  _check_compatible_with_source_hypervisor and _call_livem_checks_on_host,
//	  a refusal moving on to the next host (_check_not_over_max_retries:
//	  MaxRetriesExceeded)

// computeBinary is nova-compute's service binary (services/compute.Binary,
// which this package cannot import).
const computeBinary = "nova-compute"

// defaultRAMAllocationRatio stands in for a compute node that reports no
// RAM ratio, as nova's ComputeNode does with initial_ram_allocation_ratio.
const defaultRAMAllocationRatio = 1.5

// checkInstanceIsActive is nova's _check_instance_is_active: only a guest
// that runs (or is paused) has memory to copy.
func (t *liveMigrationTask) checkInstanceIsActive() error {
	ps := t.inst.PowerState.Get()
	if ps == objects.PowerRunning || ps == objects.PowerPaused {
		return nil
	}
	return &exception.InstanceInvalidState{InstanceUUID: t.inst.UUID.Get(), Attr: "power_state", State: ps.String(), Method: "live migrate"}
}

// checkHostIsUp is nova's _check_host_is_up: the host's nova-compute
// exists and the service group counts it up, judged by the store's clock
// (the one that stamped its reports).
func (t *liveMigrationTask) checkHostIsUp(ctx context.Context, host string) error {
	sv, err := t.lm.t.store.Services.Get(ctx, host, computeBinary)
	if errors.Is(err, exception.ErrNotFound) {
		return &exception.ComputeServiceUnavailable{Host: host}
	}
	if err != nil {
		return err
	}
	if !store.IsUp(sv, t.lm.cfg.ServiceGroup, t.lm.t.store.Now()) {
		return &exception.ComputeServiceUnavailable{Host: host}
	}
	return nil
}

// checkDestinationIsNotSource is nova's _check_destination_is_not_source.
func (t *liveMigrationTask) checkDestinationIsNotSource(host string) error {
	if host == t.source.Host {
		return &exception.UnableToMigrateToSelf{InstanceUUID: t.inst.UUID.Get(), Host: host}
	}
	return nil
}

// checkDestinationHasEnoughMemory is nova's
// _check_destination_has_enough_memory, the RAMFilter's arithmetic on the
// destination's ComputeNode: what the ratio allows minus what is used,
// against the instance's memory. Its refusal is a MigrationPreCheckError,
// the type the computes refuse with.
func (t *liveMigrationTask) checkDestinationHasEnoughMemory(cn *objects.ComputeNode) error {
	total := cn.MemoryMB.Get()
	free := cn.FreeRAMMB.Get()
	ratio := cn.RAMAllocationRatio.Get()
	if ratio <= 0 {
		ratio = defaultRAMAllocationRatio
	}
	avail := float64(total)*ratio - float64(total-free)
	mem := t.inst.MemoryMB.Get()
	if mem > 0 && avail > float64(mem) {
		return nil
	}
	host := cn.Host.Get()
	return &virt.MigrationPreCheckError{InstanceUUID: t.inst.UUID.Get(), Host: host,
		Reason: fmt.Sprintf("Unable to migrate %s to %s: Lack of memory(host:%g <= instance:%d)", t.inst.UUID.Get(), host, avail, mem)}
}

// checkCompatibleWithSource is nova's
// _check_compatible_with_source_hypervisor: the same hypervisor type on
// both nodes, and a destination version no older than the source's.
func (t *liveMigrationTask) checkCompatibleWithSource(ctx context.Context, dest placement.Node) error {
	src, err := t.computeNode(ctx, t.source)
	if err != nil {
		return err
	}
	dst, err := t.computeNode(ctx, dest)
	if err != nil {
		return err
	}
	if src.HypervisorType.Get() != dst.HypervisorType.Get() {
		return &exception.InvalidHypervisorType{Source: src.HypervisorType.Get(), SourceHost: t.source.Host, Dest: dst.HypervisorType.Get(), DestHost: dest.Host}
	}
	if src.HypervisorVersion.Get() > dst.HypervisorVersion.Get() {
		return &exception.DestinationHypervisorTooOld{SourceHost: t.source.Host, SourceVersion: src.HypervisorVersion.Get(),
			DestHost: dest.Host, DestVersion: dst.HypervisorVersion.Get()}
	}
	return nil
}

// computeNode is the ComputeNode of a placement node; a node without a
// name is the host's only one.
func (t *liveMigrationTask) computeNode(ctx context.Context, n placement.Node) (*objects.ComputeNode, error) {
	if n.Nodename == "" {
		return t.lm.t.store.ComputeNodes.GetByHost(ctx, n.Host)
	}
	cn, err := t.lm.t.store.ComputeNodes.GetByHostAndNodename(ctx, n.Host, n.Nodename)
	var nf *exception.ComputeNodeNotFound
	if errors.As(err, &nf) {
		return nil, &exception.ComputeHostNotFound{Host: n.Host}
	}
	return cn, err
}

// callLiveMigrationChecks is nova's _call_livem_checks_on_host: the
// destination compute checks it can take the instance, asking the source
// in turn, and returns the migrate data live_migration needs. A
// destination that does not answer (no compute listening, or no reply in
// time) is a pre-check refusal, as nova turns MessagingTimeout into one,
// so that the scheduler path moves on to another host.
func (t *liveMigrationTask) callLiveMigrationChecks(ctx context.Context, dest string) error {
	data, err := t.lm.compute.CheckCanLiveMigrateDestination(ctx, dest, t.inst, t.blockMigration, t.diskOverCommit, t.mig)
	if errors.Is(err, rpc.ErrNoResponders) || errors.Is(err, rpc.ErrTimeout) {
		return &virt.MigrationPreCheckError{InstanceUUID: t.inst.UUID.Get(), Host: dest,
			Reason: fmt.Sprintf("Timeout while checking if we can live migrate to host: %s (%v)", dest, err)}
	}
	if err != nil {
		return err
	}
	t.migrateData = data
	return nil
}

// isPreCheckError says whether err is (or wraps, across RPC too) a
// MigrationPreCheckError.
func isPreCheckError(err error) bool {
	var pre *virt.MigrationPreCheckError
	return errors.As(err, &pre)
}
