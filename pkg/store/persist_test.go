package store

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
	"github.com/novanats/novanats/pkg/servicegroup"
)

// Every kind of record, and every index, survives a restart of the NATS
// server on the same store directory.
func TestStoreSurvivesServerRestart(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	inst := newInstance("cmp1")
	inst.TaskState.Set(objects.TaskMigrating)
	if err := e.st.Instances.Create(ctx, inst); err != nil {
		t.Fatal(err)
	}
	mig := newMigration(inst.UUID.Get(), "cmp1", "cmp2")
	mig.Status.Set(objects.MigrationRunning)
	if err := e.st.Migrations.Create(ctx, mig); err != nil {
		t.Fatal(err)
	}
	node := newComputeNode("cmp1")
	if err := e.st.ComputeNodes.Create(ctx, node); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Services.GetOrCreate(ctx, newService("cmp1", "nova-compute", "compute")); err != nil {
		t.Fatal(err)
	}
	svc, err := e.st.Services.Report(ctx, "cmp1", "nova-compute")
	if err != nil {
		t.Fatal(err)
	}
	act := new(objects.InstanceAction)
	act.InstanceUUID.Set(inst.UUID.Get())
	act.RequestID.Set("req-1")
	act.Action.Set(objects.ActionLiveMigration)
	if err := e.st.Actions.Start(ctx, act); err != nil {
		t.Fatal(err)
	}
	ev := new(objects.InstanceActionEvent)
	ev.Event.Set("conductor_live_migrate_instance")
	if err := e.st.Actions.EventStart(ctx, inst.UUID.Get(), "req-1", ev); err != nil {
		t.Fatal(err)
	}
	// The event moved the action's updated_at (as nova's
	// action_event_start does): compare with the stored action.
	if act, err = e.st.Actions.Get(ctx, inst.UUID.Get(), "req-1"); err != nil {
		t.Fatal(err)
	}

	e.srv.Shutdown()
	e.srv.WaitForShutdown()
	srv2 := rpctest.StartServer(t, rpctest.WithStoreDir(e.srv.StoreDir))
	st := openStore(t, srv2, servicegroup.NewFakeClock(t0))

	same := func(what string, got, want objects.Object, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s after restart: %v", what, err)
		}
		if a, b := asJSON(t, got), asJSON(t, want); a != b {
			t.Fatalf("%s after restart:\n got %s\nwant %s", what, a, b)
		}
	}
	gi, err := st.Instances.Get(ctx, inst.UUID.Get())
	same("instance", gi, inst, err)
	gm, err := st.Migrations.Get(ctx, mig.ID.Get())
	same("migration", gm, mig, err)
	gn, err := st.ComputeNodes.Get(ctx, node.UUID.Get())
	same("compute node", gn, node, err)
	gs, err := st.Services.Get(ctx, "cmp1", "nova-compute")
	same("service", gs, svc, err)
	ga, err := st.Actions.Get(ctx, inst.UUID.Get(), "req-1")
	same("action", ga, act, err)
	evs, err := st.Actions.Events(ctx, inst.UUID.Get(), "req-1")
	if err != nil || len(evs) != 1 {
		t.Fatalf("events after restart: %v, %v", evs, err)
	}
	same("event", evs[0], ev, nil)

	count := func(what string, n int, err error, want int) {
		t.Helper()
		if err != nil || n != want {
			t.Fatalf("%s after restart: %d results (%v), want %d", what, n, err, want)
		}
	}
	l1, err := st.Instances.ListByHost(ctx, "cmp1")
	count("instances by host", len(l1), err, 1)
	l2, err := st.Instances.ListByTaskState(ctx, objects.TaskMigrating)
	count("instances by task state", len(l2), err, 1)
	l3, err := st.Migrations.ListInProgressByHost(ctx, "cmp2")
	count("migrations in progress on the destination", len(l3), err, 1)
	l4, err := st.Migrations.ListInProgressByInstance(ctx, inst.UUID.Get())
	count("migrations in progress of the instance", len(l4), err, 1)
	l5, err := st.ComputeNodes.ListByHost(ctx, "cmp1")
	count("nodes by host", len(l5), err, 1)
	l6, err := st.Services.ListByBinary(ctx, "nova-compute")
	count("services by binary", len(l6), err, 1)
	l7, err := st.Actions.ListByInstance(ctx, inst.UUID.Get())
	count("actions of the instance", len(l7), err, 1)

	// Ids go on from where they were, not from 1.
	next := newInstance("cmp1")
	if err := st.Instances.Create(ctx, next); err != nil {
		t.Fatal(err)
	}
	if next.ID.Get() <= inst.ID.Get() {
		t.Fatalf("id %d after restart, before it %d", next.ID.Get(), inst.ID.Get())
	}
}
