package scheduler

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
)

// Topic is the scheduler's RPC topic.
const Topic = "scheduler"

// APIVersion is the version of the scheduler's API, nova's SchedulerAPI
// 4.5 (the version that added return_objects and return_alternates).
const APIVersion = "4.5"

// The scheduler's API.
var (
	// SelectDestinations picks (and claims) a host for each instance of
	// a request. It is a call to any scheduler: the topic's queue group
	// gives it to one of them.
	SelectDestinations = rpc.DefineCall[SelectDestinationsArgs, Selections](Topic, "", "select_destinations", "4.5")
)

// SelectDestinationsArgs are select_destinations' arguments, by nova's
// names.
type SelectDestinationsArgs struct {
	// RequestSpec is what to place (nova's spec_obj): the flavor, the
	// zone, ignore_hosts, force_hosts / force_nodes, and for a move with
	// a target host the requested_destination.
	RequestSpec *objects.RequestSpec `msgpack:"spec_obj"`
	// InstanceUUIDs are the instances to place, one selection each, and
	// the placement consumers the claims are made for. Empty means the
	// spec's instance_uuid alone (a request for one instance).
	InstanceUUIDs []string `msgpack:"instance_uuids"`
	// ReturnObjects: false asks for the pre-Queens answer, which had the
	// chosen host of each instance and nothing else; it comes back here
	// as one Selection per instance, without alternates.
	ReturnObjects bool `msgpack:"return_objects"`
	// ReturnAlternates asks for up to max_attempts - 1 alternate hosts
	// per instance after the chosen one. Only with ReturnObjects, as in
	// nova.
	ReturnAlternates bool `msgpack:"return_alternates"`
}

// Selections is select_destinations' reply: one list per instance, in the
// order of InstanceUUIDs. The first Selection of each list is the chosen
// host, whose resources are claimed for the instance; the rest are
// alternates, claimed by no one, each with the allocation request that
// claims it (placement.Placement.ClaimSelection).
type Selections [][]*objects.Selection

// Nova's timeouts for select_destinations: it may take long on a large
// cloud (long_rpc_timeout), and a scheduler that died meanwhile is noticed
// by the call monitor rather than at the end of it (rpc_response_timeout).
const (
	LongRPCTimeout     = 1800 * time.Second
	CallMonitorTimeout = 60 * time.Second
)

// API is the typed client of the scheduler's API.
type API struct {
	client *rpc.Client
}

// NewAPI returns a client for any scheduler on nc. Calls use nova's
// long_rpc_timeout with a call monitor of rpc_response_timeout; opts
// (Timeout, CallMonitorTimeout, VersionCap, SubjectPrefix, WithMetrics,
// ...) come after and override them.
func NewAPI(nc *nats.Conn, opts ...rpc.ClientOption) (*API, error) {
	all := append([]rpc.ClientOption{rpc.Timeout(LongRPCTimeout), rpc.CallMonitorTimeout(CallMonitorTimeout)}, opts...)
	c, err := rpc.NewClient(nc, rpc.Target{Topic: Topic, Version: APIVersion}, all...)
	if err != nil {
		return nil, err
	}
	return &API{client: c}, nil
}

// SelectDestinations calls select_destinations. When no host fits, the
// error matches *exception.NoValidHost with errors.As.
func (a *API) SelectDestinations(ctx context.Context, args SelectDestinationsArgs) (Selections, error) {
	return SelectDestinations.Invoke(ctx, a.client, args)
}
