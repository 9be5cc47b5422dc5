package test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/conductor"
)

// malformedBoots are schedule_and_build_instances arguments no instance
// can be created from, as a client that bypasses the typed API could send
// them, with what the refusal must say.
func malformedBoots() []struct {
	name string
	args any
	says string
} {
	good := func() map[string]any {
		return map[string]any{"instance_uuid": newObjUUID(), "display_name": "vm", "flavor": bootFlavor()}
	}
	with := func(k string, v any) map[string]any {
		m := good()
		m[k] = v
		return m
	}
	twin := good()
	noVCPU := bootFlavor()
	noVCPU.VCPUs.Set(0)
	negativeSwap := bootFlavor()
	negativeSwap.Swap.Set(-1)
	list := func(brs ...map[string]any) map[string]any { return map[string]any{"build_requests": brs} }
	return []struct {
		name string
		args any
		says string
	}{
		{"not a map", "garbage", "do not decode"},
		{"build_requests not a list", map[string]any{"build_requests": 42}, "do not decode"},
		{"no build requests", list(), "build_requests is empty"},
		{"bad uuid", list(with("instance_uuid", "vm-1")), `instance_uuid "vm-1" is not a uuid`},
		{"upper-case uuid", list(with("instance_uuid", strings.ToUpper(newObjUUID()))), "not a uuid in canonical form"},
		{"same uuid twice", list(twin, twin), "is asked for twice"},
		{"no flavor", list(with("flavor", nil)), "no flavor"},
		{"flavor not an object", list(with("flavor", "m1.small")), "do not decode"},
		{"flavor of no vcpu", list(with("flavor", noVCPU)), "flavor vcpus is 0"},
		// A good request next to a bad one: neither is created.
		{"one bad among good", list(good(), with("flavor", negativeSwap)), "flavor swap is -1"},
	}
}

// Malformed arguments change nothing: a raw cast of them creates no
// instance and no action (the conductor logs and counts the refusal), and
// the same arguments as a call get a MalformedMessage saying what is
// wrong. The typed client refuses them before sending.
func TestBootMalformedArguments(t *testing.T) {
	// One worker: the conductor serves messages in the order they
	// arrive, so once the call sent last is answered every cast before
	// it has been handled.
	c := startBootCloud(t, bootOptions{conductorWorkers: 1})
	raw, err := rpc.NewClient(c.apiNC, rpc.Target{Topic: conductor.Topic, Namespace: conductor.TaskNamespace, Version: conductor.TaskAPIVersion})
	if err != nil {
		t.Fatal(err)
	}
	cases := malformedBoots()
	for _, tc := range cases {
		if err := raw.Cast(apiContext(t), conductor.ScheduleAndBuildInstances.Spec.Name, tc.args); err != nil {
			t.Fatalf("%s: cast: %v", tc.name, err)
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := raw.Call(apiContext(t), conductor.ScheduleAndBuildInstances.Spec.Name, tc.args, nil)
			var mm *rpc.MalformedMessage
			if !errors.As(err, &mm) {
				t.Fatalf("call: got %v (%T), want *rpc.MalformedMessage", err, err)
			}
			schedMustContain(t, "the refusal", mm.Reason, "schedule_and_build_instances", tc.says)
		})
	}

	// A good request last: it is created (and, with no scheduler
	// running, put in ERROR saying so, its claims released).
	sentinel := buildRequest(bootFlavor())
	ctx := apiContext(t)
	if err := raw.Call(ctx, conductor.ScheduleAndBuildInstances.Spec.Name, conductor.ScheduleAndBuildInstancesArgs{BuildRequests: []conductor.BuildRequest{sentinel}}, nil); err != nil {
		t.Fatal(err)
	}
	all, err := c.store.Instances.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].UUID.Get() != sentinel.InstanceUUID {
		for _, i := range all {
			t.Errorf("instance in the store: %s", asJSONObj(t, i))
		}
		t.Fatalf("%d instances after the malformed requests and one good one, want only the good one", len(all))
	}
	got := all[0]
	if f := got.Fault.Get(); got.VMState.Get() != objects.VMStateError || f == nil ||
		!strings.Contains(f.Message.Get(), "no service is listening on scheduler") {
		t.Errorf("the good request with no scheduler: %s", asJSONObj(t, got))
	}
	if evs, err := c.store.Actions.Events(ctx, sentinel.InstanceUUID, requestOf(ctx)); err != nil ||
		findEvent(evs, conductor.EventScheduleInstances) == nil || findEvent(evs, conductor.EventScheduleInstances).Result.Get() != objects.EventResultError {
		t.Errorf("events of the good request: %s (%v)", eventNames(evs), err)
	}
	// Every malformed message was refused twice, as a cast and as a call.
	if n := serverExceptions(t, c.conductorMetrics, conductor.Topic, conductor.ScheduleAndBuildInstances.Spec.Name, "MalformedMessage"); n != float64(2*len(cases)) {
		t.Errorf("the conductor counted %v refusals, want %d", n, 2*len(cases))
	}

	// The typed client refuses what the conductor would, without sending.
	noFlavor := buildRequest(nil)
	err = c.tasks.ScheduleAndBuildInstances(apiContext(t), []conductor.BuildRequest{noFlavor})
	var mm *rpc.MalformedMessage
	if !errors.As(err, &mm) || !strings.Contains(mm.Reason, "no flavor") {
		t.Errorf("typed client: %v", err)
	}
	if _, err := c.store.Instances.Get(ctx, noFlavor.InstanceUUID); !errors.Is(err, exception.ErrNotFound) {
		t.Errorf("instance of a refused request: %v", err)
	}
}

// A conductor that lacks placement and a compute client (its DB opened
// without placement's bucket, no Config.Compute) refuses compute_task
// requests, saying what it lacks, before it writes anything.
func TestBootRefusedWithoutPlacementOrCompute(t *testing.T) {
	c := startCloud(t)
	raw, err := rpc.NewClient(c.computeNC, rpc.Target{Topic: conductor.Topic, Namespace: conductor.TaskNamespace, Version: conductor.TaskAPIVersion})
	if err != nil {
		t.Fatal(err)
	}
	r := buildRequest(bootFlavor())
	err = raw.Call(objCtx(t), conductor.ScheduleAndBuildInstances.Spec.Name, conductor.ScheduleAndBuildInstancesArgs{BuildRequests: []conductor.BuildRequest{r}}, nil)
	if err == nil {
		t.Fatal("a conductor without placement or compute client accepted a boot")
	}
	schedMustContain(t, "the refusal", err.Error(), "compute_task API is not available", "no placement", "no compute client")
	if _, err := c.store.Instances.Get(context.Background(), r.InstanceUUID); !errors.Is(err, exception.ErrNotFound) {
		t.Errorf("instance of a refused request: %v", err)
	}
}
