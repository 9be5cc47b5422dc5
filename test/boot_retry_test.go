package test

import (
	"errors"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor"
)

// A boot cast again for an instance that exists (the same message
// redelivered, or the client retrying under a new request id) creates
// nothing and changes nothing: no second record, action, claim, build or
// guest; the instance stays as its first boot left it.
func TestBootRetriedCastChangesNothing(t *testing.T) {
	// One worker: the conductor serves messages in arrival order, so
	// once the call sent after the retries is answered, the retries
	// have been handled.
	c := startBootCloud(t, bootOptions{schedulers: 1, conductorWorkers: 1})
	c.addCompute(t, "cmp1", scaledHost(1))

	r := buildRequest(bootFlavor())
	first := c.boot(t, r)
	c.awaitEvent(t, first, r.InstanceUUID, compute.EventBuildAndRunInstance)
	before, err := c.store.Instances.Get(first, r.InstanceUUID)
	if err != nil || before.VMState.Get() != objects.VMStateActive {
		t.Fatalf("first boot: %v (%v)", before, err)
	}

	// The same request again, then a new request for the same uuid.
	if err := c.tasks.ScheduleAndBuildInstances(first, []conductor.BuildRequest{r}); err != nil {
		t.Fatal(err)
	}
	retry := c.boot(t, r)
	raw, err := rpc.NewClient(c.apiNC, rpc.Target{Topic: conductor.Topic, Namespace: conductor.TaskNamespace, Version: conductor.TaskAPIVersion})
	if err != nil {
		t.Fatal(err)
	}
	var mm *rpc.MalformedMessage
	if err := raw.Call(apiContext(t), conductor.ScheduleAndBuildInstances.Spec.Name, conductor.ScheduleAndBuildInstancesArgs{}, nil); !errors.As(err, &mm) {
		t.Fatalf("the call closing the retries: %v", err)
	}

	after, err := c.store.Instances.Get(first, r.InstanceUUID)
	if err != nil {
		t.Fatal(err)
	}
	if asJSONObj(t, after) != asJSONObj(t, before) {
		t.Errorf("the retries changed the instance:\nbefore %s\nafter  %s", asJSONObj(t, before), asJSONObj(t, after))
	}
	if all, err := c.store.Instances.List(first); err != nil || len(all) != 1 {
		t.Errorf("%d instances after the retries (%v)", len(all), err)
	}
	actions, err := c.store.Actions.ListByInstance(first, r.InstanceUUID)
	if err != nil || len(actions) != 1 || actions[0].RequestID.Get() != requestOf(first) {
		t.Errorf("actions after the retries: %d (%v); want the first request's only", len(actions), err)
	}
	if _, err := c.store.Actions.Get(retry, r.InstanceUUID, requestOf(retry)); err == nil {
		t.Error("the retry under a new request id recorded an action")
	}
	if evs, err := c.store.Actions.Events(first, r.InstanceUUID, requestOf(first)); err != nil || len(evs) != 3 {
		t.Errorf("events of the first request after the retries: %s (%v); want its three", eventNames(evs), err)
	}
	if a, err := c.placement.Allocations(first, r.InstanceUUID); err != nil || len(a) != 1 {
		t.Errorf("allocations after the retries: %s (%v)", allocString(a), err)
	}
	if ids, err := c.drivers["cmp1"].ListInstances(); err != nil || len(ids) != 1 {
		t.Errorf("guests on the hypervisor after the retries: %v (%v)", ids, err)
	}
}
