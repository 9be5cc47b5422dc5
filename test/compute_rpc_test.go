package test

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute"
)

// Malformed arguments are refused before anything is written: a call's
// caller gets MalformedMessage, a cast is counted as failed and the
// instance it named is left exactly as it was.
func TestComputeRefusesMalformedArguments(t *testing.T) {
	c := startComputeCloud(t)
	drv := c.newHypervisor(t)
	reg := prometheus.NewRegistry()
	cfg := c.computeConfig("cmp1")
	// One worker: the compute serves its messages in order, so once a
	// call sent after the casts is answered, the casts were handled.
	cfg.ExecutorThreadPoolSize = 1
	cfg.Metrics = rpc.NewMetrics(reg)
	c.startCompute(t, cfg, drv)
	inst, ctx := c.newBuildRequest(t, "cmp1")
	before, err := c.store.Instances.Get(ctx, inst.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	client, err := rpc.NewClient(c.conductorNC, rpc.Target{Topic: compute.Topic, Server: "cmp1", Version: compute.APIVersion})
	if err != nil {
		t.Fatal(err)
	}

	// Args that do not decode into the method's type: the rpc layer.
	if err := client.Cast(ctx, "build_and_run_instance", map[string]any{"instance": "not an object", "node": 7}); err != nil {
		t.Fatal(err)
	}
	// Args that decode but hold no Instance: the compute.
	svc := new(objects.Service)
	svc.Host.Set("cmp1")
	p, _ := svc.ToPrimitive()
	if err := compute.BuildAndRunInstance.Cast(ctx, client, compute.BuildAndRunInstanceArgs{Instance: p}); err != nil {
		t.Fatal(err)
	}
	noUUID := new(objects.Instance)
	noUUID.DisplayName.Set("who am I")
	p, _ = noUUID.ToPrimitive()
	if err := compute.TerminateInstance.Cast(ctx, client, compute.TerminateInstanceArgs{Instance: p}); err != nil {
		t.Fatal(err)
	}
	if err := compute.BuildAndRunInstance.Cast(ctx, client, compute.BuildAndRunInstanceArgs{}); err != nil {
		t.Fatal(err)
	}

	// A call with malformed args: the caller is told.
	var reply compute.InstanceDiagnostics
	err = client.Call(ctx, "get_instance_diagnostics", map[string]any{"instance_uuid": []int{1}}, &reply)
	var mm *rpc.MalformedMessage
	if !errors.As(err, &mm) {
		t.Fatalf("malformed call: %v, want MalformedMessage", err)
	}
	// A call about a guest the hypervisor does not have.
	if _, err := c.api.GetInstanceDiagnostics(ctx, "cmp1", inst.UUID.Get()); !errors.As(err, new(*exception.InstanceNotFound)) {
		t.Fatalf("diagnostics of an unknown guest: %v", err)
	}

	if n := serverExceptions(t, reg, compute.Topic, "build_and_run_instance", "MalformedMessage"); n != 3 {
		t.Errorf("malformed build casts counted %v, want 3", n)
	}
	if n := serverExceptions(t, reg, compute.Topic, "terminate_instance", "MalformedMessage"); n != 1 {
		t.Errorf("malformed terminate casts counted %v, want 1", n)
	}
	after, err := c.store.Instances.Get(ctx, inst.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	if asJSONObj(t, after) != asJSONObj(t, before) {
		t.Errorf("malformed casts changed the instance:\nbefore %s\nafter  %s", asJSONObj(t, before), asJSONObj(t, after))
	}
	if evs, _ := c.store.Actions.Events(ctx, inst.UUID.Get(), requestOf(ctx)); len(evs) != 0 {
		t.Errorf("malformed casts recorded events: %s", eventNames(evs))
	}
	if ids, _ := drv.ListInstances(); len(ids) != 0 {
		t.Errorf("guests after malformed casts: %v", ids)
	}

	// The compute still serves: a good build goes through.
	if err := c.api.BuildAndRunInstance(ctx, "cmp1", inst, ""); err != nil {
		t.Fatal(err)
	}
	c.awaitInstance(t, inst.UUID.Get(), "instance active", func(i *objects.Instance) bool {
		return i != nil && i.VMState.Get() == objects.VMStateActive
	})
}
