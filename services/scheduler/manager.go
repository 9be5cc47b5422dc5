package scheduler

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/placement"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/scheduler/filters"
	"github.com/novanats/novanats/services/scheduler/weights"
)

// Manager handles the scheduler's RPC methods; it is nova's
// SchedulerManager with the filter scheduler folded in. Its only state is
// configuration: host states are read afresh for every request and
// capacity is decided by placement, so any number of managers, in any
// number of processes, can serve the topic together.
type Manager struct {
	placement   *placement.Placement
	hosts       *HostManager
	filters     []filters.Filter
	weighers    []weights.Weigher
	pick        weights.PickOptions
	maxAttempts int
	log         *slog.Logger
}

// NewManager returns a manager placing on the nodes of st, claiming in pl.
// It fails on an unknown filter or weigher name or a bad option, the
// errors nova's scheduler stops on at start.
func NewManager(st *store.Store, pl *placement.Placement, cfg Config) (*Manager, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	fs, err := filters.New(cfg.EnabledFilters, filters.Options{DefaultAvailabilityZone: cfg.DefaultAvailabilityZone})
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	ws, err := weights.New(cfg.WeightClasses, *cfg.Weights)
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	// No shared *rand.Rand: PickOptions.Rand is not safe for the
	// concurrent requests a manager serves, the global source is.
	pick := weights.PickOptions{HostSubsetSize: cfg.HostSubsetSize, ShuffleBestSameWeighedHosts: cfg.ShuffleBestSameWeighedHosts}
	if err := pick.Validate(); err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	return &Manager{
		placement:   pl,
		hosts:       NewHostManager(st, pl, cfg),
		filters:     fs,
		weighers:    ws,
		pick:        pick,
		maxAttempts: cfg.MaxAttempts,
		log:         cfg.Logger.With("service", "scheduler"),
	}, nil
}

// Register adds the manager's handlers to srv's default endpoint.
func (m *Manager) Register(srv *rpc.Server) {
	ep := srv.Endpoint("", APIVersion)
	rpc.HandleCall(ep, SelectDestinations, m.selectDestinations)
}

// selectDestinations picks and claims a host for each instance of the
// request, with alternates if asked. It fails with *exception.NoValidHost
// when some instance cannot be placed, after releasing what it claimed for
// the others: a request is placed whole or not at all, as in nova.
func (m *Manager) selectDestinations(ctx context.Context, args SelectDestinationsArgs) (Selections, error) {
	req, err := m.parse(args)
	log := rpc.Logger(ctx, m.log).With("method", SelectDestinations.Spec.Name)
	if err != nil {
		log.Info("select_destinations refused", "error", err)
		return nil, err
	}
	log = log.With("instance_uuids", req.instanceUUIDs)
	log.Debug("starting to schedule", "resources", req.resources.String(), "alternates", req.alternates)
	return m.schedule(ctx, log, req)
}

// request is one select_destinations after its arguments were checked.
type request struct {
	spec          *objects.RequestSpec
	instanceUUIDs []string
	// resources is what each instance claims.
	resources placement.Resources
	// alternates is how many alternate hosts each instance gets.
	alternates int
}

// parse checks the arguments before anything is read or claimed, and
// answers a request that cannot be served as asked with a
// *rpc.MalformedMessage saying what is wrong with it.
func (m *Manager) parse(args SelectDestinationsArgs) (*request, error) {
	bad := func(format string, a ...any) error {
		return &rpc.MalformedMessage{Reason: "select_destinations: " + fmt.Sprintf(format, a...)}
	}
	spec := args.RequestSpec
	if spec == nil {
		return nil, bad("spec_obj is missing")
	}
	flavor := spec.Flavor.Get()
	if flavor == nil {
		return nil, bad("spec_obj has no flavor")
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"vcpus", flavor.VCPUs.Get()}, {"memory_mb", flavor.MemoryMB.Get()}, {"root_gb", flavor.RootGB.Get()},
		{"ephemeral_gb", flavor.EphemeralGB.Get()}, {"swap", flavor.Swap.Get()},
	} {
		if f.v < 0 {
			return nil, bad("flavor %s is negative (%d)", f.name, f.v)
		}
	}
	uuids := args.InstanceUUIDs
	if len(uuids) == 0 {
		// One instance named by the spec: what a move sends.
		if u := spec.InstanceUUID.Get(); u != "" && spec.NumInstances.Get() <= 1 {
			uuids = []string{u}
		} else {
			return nil, bad("instance_uuids is empty and the spec does not name a single instance")
		}
	}
	seen := make(map[string]bool, len(uuids))
	for _, u := range uuids {
		if _, err := uuid.Parse(u); err != nil {
			return nil, bad("instance uuid %q: %v", u, err)
		}
		if seen[u] {
			return nil, bad("instance uuid %s is listed twice", u)
		}
		seen[u] = true
	}
	res := ResourcesFromSpec(spec)
	if res.IsZero() {
		return nil, bad("the flavor asks for no resources")
	}
	req := &request{spec: spec, instanceUUIDs: uuids, resources: res}
	// nova: alternates only for callers that understand Selection
	// objects and ask for them.
	if args.ReturnObjects && args.ReturnAlternates {
		req.alternates = m.maxAttempts - 1
	}
	return req, nil
}
