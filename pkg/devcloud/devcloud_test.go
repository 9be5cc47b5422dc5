package devcloud

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/conductor"
)

// flavor is the flavor these tests boot: 1 vCPU, 512 MB, 1 GB.
func flavor() *objects.Flavor {
	return objects.NewFlavor("m1.small", 1, 512, 1)
}

// awaitActive waits for the instance to become active, following its
// record with a watch (no polling).
// bootOne boots one instance of flavor f on c through the conductor and
// returns the task API it used and the instance once active.
func bootOne(t *testing.T, c *Cloud, f *objects.Flavor) (*conductor.TaskAPI, *objects.Instance) {
	t.Helper()
	nc, err := c.Connect("test-api")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := conductor.NewTaskAPI(nc)
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	ctx := rpc.WithRequestContext(t.Context(), rpc.NewRequestContext())
	if err := tasks.ScheduleAndBuildInstances(ctx, []conductor.BuildRequest{{InstanceUUID: id, DisplayName: "vm-1", Flavor: f}}); err != nil {
		t.Fatal(err)
	}
	return tasks, awaitActive(t, c, id)
}

func awaitActive(t *testing.T, c *Cloud, id string) *objects.Instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	updates, err := c.Store.Instances.Watch(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for u := range updates {
		if u.Err != nil || u.Deleted || u.Value == nil {
			continue
		}
		switch vm, _ := u.Value.VMState.Lookup(); vm {
		case objects.VMStateActive:
			return u.Value
		case objects.VMStateError:
			t.Fatalf("instance %s went to error: %+v", id, u.Value.Fault)
		}
	}
	t.Fatalf("instance %s not active within 30s", id)
	return nil
}

func TestDevCloudBootsAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	start := func() *Cloud {
		c, err := Start(t.Context(), Config{DataDir: dir, NATSPort: -1, MetricsAddr: "127.0.0.1:0", Computes: 2})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := start()
	_, inst := bootOne(t, c, flavor())
	id, host := inst.UUID.Get(), inst.Host.Get()
	if host != "compute-1" && host != "compute-2" {
		t.Fatalf("instance on %q", host)
	}
	resp, err := http.Get("http://" + c.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `novanats_rpc_server_invocation_end_total{call_type="cast",exception="",method="build_and_run_instance"`) {
		t.Fatalf("metrics lack the build cast:\n%.2000s", body)
	}
	if err := c.Stop(context.Background()); err != nil {
		t.Fatalf("stop: %v", err)
	}

	// Same data dir: the instance is still there, still active, and its
	// guest runs again on its host.
	c = start()
	defer c.Stop(context.Background())
	again, err := c.Store.Instances.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("instance lost across a restart: %v", err)
	}
	if vm, _ := again.VMState.Lookup(); vm != objects.VMStateActive || again.Host.Get() != host {
		t.Fatalf("after restart: vm_state %v host %v", vm, again.Host.Get())
	}
	if ids, _ := c.Drivers[host].ListInstances(); len(ids) != 1 || ids[0] != id {
		t.Fatalf("guest not back on %s: %v", host, ids)
	}
}

// migrationProgress live-migrates one instance of memoryMB on a dev cloud
// configured by cfg and returns the distinct memory_remaining values the
// migration record had while running, as a client following it over NATS
// (`novanats live-migrate --wait`) sees them: every stored update, from a
// watch.
func migrationProgress(t *testing.T, cfg Config, memoryMB int) []int {
	t.Helper()
	cfg.DataDir, cfg.NATSPort, cfg.MetricsAddr, cfg.Computes = t.TempDir(), -1, "-", 2
	c, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(context.Background())
	f := flavor()
	f.MemoryMB.Set(memoryMB)
	tasks, inst := bootOne(t, c, f)
	id := inst.UUID.Get()
	wctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	mig, err := tasks.MigrateServer(rpc.WithRequestContext(wctx, rpc.NewRequestContext()), conductor.LiveMigrateInstanceArgs{InstanceUUID: id})
	if err != nil {
		t.Fatal(err)
	}
	updates, err := c.Store.Migrations.Watch(wctx, mig.ID.Get())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	var values []int
	for u := range updates {
		if u.Err != nil || u.Value == nil {
			continue
		}
		switch s, _ := u.Value.Status.Lookup(); s {
		case objects.MigrationCompleted:
			return values
		case objects.MigrationFailed, objects.MigrationError, objects.MigrationCancelled:
			t.Fatalf("migration ended %s", s)
		case objects.MigrationRunning:
			if r, ok := u.Value.MemoryRemaining.Lookup(); ok && !seen[r] {
				seen[r] = true
				values = append(values, r)
			}
		}
	}
	t.Fatalf("migration not completed within a minute; progress seen %v", values)
	return nil
}

// A dev cloud saves a migration's counters every monitor tick, so a
// client following the migration over NATS sees its progress move,
// where nova's 5 s spacing shows about one value per migration.
func TestDevCloudMigrationProgressMoves(t *testing.T) {
	const want = 5
	got := migrationProgress(t, Config{SimSpeed: 8}, 4096)
	t.Logf("memory_remaining while running: %v", got)
	if len(got) < want {
		t.Fatalf("saw %d distinct progress values (%v), want at least %d", len(got), got, want)
	}
}
