package test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor"
)

// The conductor restarts while a memory copy runs (a rolling update of
// its Deployment with one replica). While it is gone the source's saves
// through it fail (NATS has no responders) and are logged, and the copy
// goes on; the saves resume with the new conductor, and a force-complete
// sent afterwards completes the migration on the destination.
func TestLiveMigrationConductorRestarts(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	unsaved := make(chan struct{}, 1)
	c.addHost(t, "cmp1", lmHost{migration: noTimeout.migration, adjust: func(cfg *compute.Config) {
		cfg.Logger = slog.New(signalOn{message: "live migration counters not saved", c: unsaved})
	}})
	c.addHost(t, "cmp2", lmHost{})
	inst, m := c.runningTo(t, "cmp2")

	if err := c.conductor.Stop(objCtx(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-unsaved:
	case <-time.After(time.Minute):
		t.Fatal("the source saved nothing while the conductor was gone")
	}
	c.conductor = startConductor(t, objCtx(t), c.conductorNC, c.store, conductor.Config{
		Host: lmConductor, Logger: computeLogger(), Placement: c.placement, Compute: c.api, Clock: c.clock,
		ServiceGroup: servicegroup.Config{ReportInterval: 10 * time.Second},
	})
	// The restarted conductor serves the computes' saves: progress keeps
	// being recorded on the migration.
	before := m.MemoryProcessed.Get()
	c.await(t, "migrations", "", "progress saved through the new conductor", func() (bool, string) {
		cur, err := c.store.Migrations.Get(objCtx(t), m.ID.Get())
		if err != nil {
			return false, err.Error()
		}
		return cur.MemoryProcessed.Get() > before && cur.Status.Get() == objects.MigrationRunning, asJSONObj(t, cur)
	})

	c.forceComplete(t, inst, m)
	done := c.awaitFinalMigration(t, inst.UUID.Get())
	if done.Status.Get() != objects.MigrationCompleted {
		t.Fatalf("migration across a conductor restart: %s", asJSONObj(t, done))
	}
	c.expectMigrated(t, inst, "cmp1", "cmp2", done)
}

// signalOn is a log handler that signals c when a record with message is
// logged, and drops every record.
type signalOn struct {
	message string
	c       chan struct{}
}

func (h signalOn) Enabled(context.Context, slog.Level) bool { return true }
func (h signalOn) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h signalOn) WithGroup(string) slog.Handler            { return h }
func (h signalOn) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.message {
		select {
		case h.c <- struct{}{}:
		default:
		}
	}
	return nil
}
