package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/novanats/novanats/services/compute/virt"
)

// errNotInitialized: every host-level call needs the host name Init gives.
var errNotInitialized = errors.New("sim: driver not initialised: call Init(host) first")

// Driver is one simulated hypervisor host. It implements virt.Driver.
type Driver struct {
	opts   Options // immutable after New
	clock  Clock
	fabric *Fabric

	mu       sync.Mutex
	host     string
	guests   map[string]*guest
	jobs     map[string]*job // outgoing migrations by instance uuid: running, or the last finished one
	faults   faultSet
	tokenSeq int
}

var _ virt.Driver = (*Driver)(nil)

// New builds a simulated host from validated options.
func New(opts Options) (*Driver, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	d := &Driver{
		opts:   opts,
		clock:  opts.Clock,
		fabric: opts.Fabric,
		guests: map[string]*guest{},
		jobs:   map[string]*job{},
	}
	if d.clock == nil {
		d.clock = RealClock()
	}
	if d.fabric == nil {
		d.fabric = NewFabric()
	}
	return d, nil
}

// Init names the host and joins the fabric (nova: init_host). Calling it
// again with the same name is allowed and keeps the guests: the
// hypervisor outlives its compute service, which calls Init on every
// start. It rejoins the fabric if Detach had taken it off.
func (d *Driver) Init(host string) error {
	if host == "" {
		return fmt.Errorf("sim: %w: host name is empty", virt.ErrInvalidInput)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.host != "" && d.host != host {
		return fmt.Errorf("sim: %w: driver already initialised as host %q", virt.ErrInvalidState, d.host)
	}
	if err := d.fabric.register(host, d); err != nil {
		return err
	}
	d.host = host
	return nil
}

// Host is the name given to Init.
func (d *Driver) Host() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.host
}

// Clock is the clock driving this host.
func (d *Driver) Clock() Clock { return d.clock }

// readyLocked is checked by every host-level call.
func (d *Driver) readyLocked() error {
	if d.host == "" {
		return errNotInitialized
	}
	return nil
}

// guestLocked finds a guest or returns a not-found error naming the host.
func (d *Driver) guestLocked(uuid string) (*guest, error) {
	if err := d.readyLocked(); err != nil {
		return nil, err
	}
	if uuid == "" {
		return nil, fmt.Errorf("sim: %w: instance uuid is empty", virt.ErrInvalidInput)
	}
	g, ok := d.guests[uuid]
	if !ok {
		return nil, fmt.Errorf("sim: %w: %s on host %s", virt.ErrInstanceNotFound, uuid, d.host)
	}
	return g, nil
}

// withDefaults fills the dirty rate a spec left to the driver.
func (d *Driver) withDefaults(spec virt.GuestSpec) virt.GuestSpec {
	if spec.DirtyRateMiBps == 0 {
		spec.DirtyRateMiBps = d.opts.DefaultDirtyRateMiBps
	}
	return spec
}

// Spawn starts a guest (nova: spawn). The sim does not refuse guests for
// capacity: like a real hypervisor with overcommit, admission is the
// scheduler's and placement's job.
func (d *Driver) Spawn(ctx context.Context, spec virt.GuestSpec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("sim: spawn: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.readyLocked(); err != nil {
		return err
	}
	if _, ok := d.guests[spec.UUID]; ok {
		return fmt.Errorf("sim: spawn: %w: %s on host %s", virt.ErrInstanceExists, spec.UUID, d.host)
	}
	if f, ok := take(&d.faults.spawn, spec.UUID); ok {
		return fmt.Errorf("sim: spawn of %s on host %s: %w", spec.UUID, d.host, f.err)
	}
	d.guests[spec.UUID] = &guest{spec: d.withDefaults(spec), power: virt.PowerRunning}
	return nil
}

// Destroy removes a guest (nova: destroy). A guest being migrated away must
// have its migration aborted first: killing it mid-flight is what
// CrashSource simulates.
func (d *Driver) Destroy(ctx context.Context, uuid string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := d.guestLocked(uuid)
	if err != nil {
		return fmt.Errorf("sim: destroy: %w", err)
	}
	if g.migrating {
		return fmt.Errorf("sim: destroy: %w: %s is being live-migrated from %s; abort the migration first",
			virt.ErrMigrationInProgress, uuid, d.host)
	}
	delete(d.guests, uuid)
	return nil
}

// PowerState reports the guest's power state.
func (d *Driver) PowerState(uuid string) (virt.PowerState, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := d.guestLocked(uuid)
	if err != nil {
		return virt.PowerNoState, err
	}
	return g.power, nil
}

// ListInstances lists guest uuids, sorted, including incoming ones.
func (d *Driver) ListInstances() ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.readyLocked(); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(d.guests))
	for id := range d.guests {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

// GetAvailableResource reports capacity and what the guests on the host —
// incoming ones included, they hold their memory already — use.
func (d *Driver) GetAvailableResource() (virt.HostResources, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.readyLocked(); err != nil {
		return virt.HostResources{}, err
	}
	r := virt.HostResources{
		VCPUs:              d.opts.VCPUs,
		MemoryMB:           d.opts.MemoryMB,
		LocalGB:            d.opts.LocalGB,
		HypervisorType:     d.opts.HypervisorType,
		HypervisorVersion:  d.opts.HypervisorVersion,
		HypervisorHostname: d.host,
	}
	for _, g := range d.guests {
		r.VCPUsUsed += g.spec.VCPUs
		r.MemoryMBUsed += g.spec.MemoryMB
		r.LocalGBUsed += g.spec.DiskGB
	}
	return r, nil
}

// Pause freezes a running guest (nova: pause).
func (d *Driver) Pause(ctx context.Context, uuid string) error {
	return d.setUserPower(uuid, virt.PowerRunning, virt.PowerPaused, "pause")
}

// Unpause resumes a paused guest (nova: unpause).
func (d *Driver) Unpause(ctx context.Context, uuid string) error {
	return d.setUserPower(uuid, virt.PowerPaused, virt.PowerRunning, "unpause")
}

func (d *Driver) setUserPower(uuid string, from, to virt.PowerState, op string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := d.guestLocked(uuid)
	if err != nil {
		return fmt.Errorf("sim: %s: %w", op, err)
	}
	if g.migrating || g.incoming {
		// A running migration owns the guest's power state (force-complete
		// pauses it, recovery unpauses it).
		return fmt.Errorf("sim: %s: %w: %s is being live-migrated", op, virt.ErrMigrationInProgress, uuid)
	}
	if g.power != from {
		return fmt.Errorf("sim: %s: %w: %s is %s, must be %s", op, virt.ErrInvalidState, uuid, g.power, from)
	}
	g.power = to
	return nil
}

// SetDirtyRate changes how fast the guest's workload dirties memory, in
// MiB/s; a running migration sees the change from its next step. 0 is an
// idle guest.
func (d *Driver) SetDirtyRate(uuid string, mibps float64) error {
	if !(mibps >= 0) || math.IsInf(mibps, 0) {
		return fmt.Errorf("sim: set dirty rate: %w: %s: rate must be a finite number >= 0 MiB/s, got %v",
			virt.ErrInvalidInput, uuid, mibps)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := d.guestLocked(uuid)
	if err != nil {
		return fmt.Errorf("sim: set dirty rate: %w", err)
	}
	g.spec.DirtyRateMiBps = mibps
	return nil
}

// SetWorkingSet bounds the memory the guest's workload keeps re-dirtying,
// in MiB (0: all its memory, the default). Real workloads re-dirty a hot
// set of pages: once a pass leaves only that set dirty, the migration
// converges as soon as nova's downtime steps allow sending it in one go —
// which is what the downtime ramp is for.
func (d *Driver) SetWorkingSet(uuid string, mib float64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := d.guestLocked(uuid)
	if err != nil {
		return fmt.Errorf("sim: set working set: %w", err)
	}
	if !(mib >= 0) || mib > float64(g.spec.MemoryMB) {
		return fmt.Errorf("sim: set working set: %w: %s: working set must be between 0 and the guest's %d MiB, got %v",
			virt.ErrInvalidInput, uuid, g.spec.MemoryMB, mib)
	}
	g.workingSetMiB = mib
	return nil
}

// GuestInfo is a read-only view of a simulated guest, for tests.
type GuestInfo struct {
	Spec          virt.GuestSpec
	Power         virt.PowerState
	WorkingSetMiB float64 // 0: all memory
	// Incoming: prepared by PreLiveMigration and not yet fully arrived.
	Incoming bool
	// Migrating: being live-migrated away from this host.
	Migrating bool
}

// Guest returns the state of one guest.
func (d *Driver) Guest(uuid string) (GuestInfo, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := d.guestLocked(uuid)
	if err != nil {
		return GuestInfo{}, err
	}
	return g.info(), nil
}
