package test

import (
	"errors"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
	"github.com/novanats/novanats/services/scheduler"
)

// Requests the scheduler cannot make sense of are refused with a
// MalformedMessage that says what is wrong, and nothing is claimed.
func TestSchedulerMalformedArguments(t *testing.T) {
	c := startSchedCloud(t)
	c.addHost(t, schedBig)
	c.startScheduler(t, "sched-1")

	noFlavor := new(objects.RequestSpec)
	noFlavor.InstanceUUID.Set("6d1e4a3b-7c2f-4e5a-8b9c-0d1e2f3a4b5c")
	negative := schedSpec(1, 512, 1)
	negative.Flavor.Get().MemoryMB.Set(-512)
	empty := schedSpec(0, 0, 0)
	twoInstances := schedSpec(1, 512, 1)
	twoInstances.NumInstances.Set(2)
	ok := schedSpec(1, 512, 1)

	cases := []struct {
		name string
		args scheduler.SelectDestinationsArgs
		says string
	}{
		{"no spec", scheduler.SelectDestinationsArgs{InstanceUUIDs: []string{ok.InstanceUUID.Get()}}, "spec_obj is missing"},
		{"no flavor", scheduler.SelectDestinationsArgs{RequestSpec: noFlavor, InstanceUUIDs: []string{noFlavor.InstanceUUID.Get()}}, "no flavor"},
		{"negative memory", scheduler.SelectDestinationsArgs{RequestSpec: negative, InstanceUUIDs: []string{negative.InstanceUUID.Get()}}, "memory_mb is negative"},
		{"nothing asked", scheduler.SelectDestinationsArgs{RequestSpec: empty, InstanceUUIDs: []string{empty.InstanceUUID.Get()}}, "asks for no resources"},
		{"bad uuid", scheduler.SelectDestinationsArgs{RequestSpec: ok, InstanceUUIDs: []string{"vm-1"}}, `instance uuid "vm-1"`},
		{"twice", scheduler.SelectDestinationsArgs{RequestSpec: ok, InstanceUUIDs: []string{ok.InstanceUUID.Get(), ok.InstanceUUID.Get()}}, "listed twice"},
		{"no uuids for two", scheduler.SelectDestinationsArgs{RequestSpec: twoInstances}, "instance_uuids is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.api.SelectDestinations(schedCtx(t), tc.args)
			var mm *rpc.MalformedMessage
			if !errors.As(err, &mm) {
				t.Fatalf("got %v (%T), want *rpc.MalformedMessage", err, err)
			}
			schedMustContain(t, "the error", mm.Reason, "select_destinations: ", tc.says)
		})
	}

	// Arguments of the wrong shape on the wire, from a client that does
	// not use the typed API: the RPC layer refuses them before the
	// manager runs.
	raw, err := rpc.NewClient(rpctest.Connect(t, c.srv), rpc.Target{Topic: scheduler.Topic, Version: scheduler.APIVersion})
	if err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string]any{
		"spec is a string":    map[string]any{"spec_obj": "a flavor, please", "instance_uuids": []string{ok.InstanceUUID.Get()}},
		"uuids are numbers":   map[string]any{"spec_obj": ok, "instance_uuids": []int{1, 2}},
		"spec is no object":   map[string]any{"spec_obj": map[string]any{"nova_object.name": "Flavor"}},
		"args are not a dict": []string{"select", "destinations"},
	} {
		var reply scheduler.Selections
		err := raw.Call(schedCtx(t), "select_destinations", args, &reply)
		var mm *rpc.MalformedMessage
		if !errors.As(err, &mm) {
			t.Errorf("%s: got %v (%T), want *rpc.MalformedMessage", name, err, err)
		}
	}
	if allocs := c.allocations(t); len(allocs) != 0 {
		t.Errorf("refused requests claimed %v", allocs)
	}
	// The scheduler is unharmed: a good request still works.
	if _, err := c.selectOne(t, ok); err != nil {
		t.Fatalf("a good request after the bad ones: %v", err)
	}
}
