package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/devcloud"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/conductor"
)

func newDemoCommand() *cobra.Command {
	var (
		instances int
		memoryMB  int
		speed     float64
		metrics   string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start a dev cloud, boot instances, live-migrate one, and show its trail across the services",
		Long: `demo starts a dev cloud in this process (embedded NATS, conductor,
scheduler, three simulated compute hosts), boots a few instances, live-
migrates one to a host the scheduler picks while showing the migration's
progress (memory remaining, dirty rate, transfer rate), then prints the
migration's action timeline across conductor, scheduler and compute, and
where to see the metrics. It cleans up after itself and exits 0.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := os.MkdirTemp("", "novanats-demo-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			out := cmd.OutOrStdout()
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			fmt.Fprintln(out, "starting a dev cloud: embedded NATS, conductor, scheduler, compute-1..3 (simulated)")
			cloud, err := devcloud.Start(ctx, devcloud.Config{DataDir: dir, NATSPort: -1, MetricsAddr: metrics, SimSpeed: speed})
			if err != nil {
				return withCode(exitUnavailable, err)
			}
			defer cloud.Stop(context.Background())
			fmt.Fprintf(out, "  NATS %s, metrics http://%s/metrics\n\n", cloud.NATSURL(), cloud.MetricsAddr())

			nc, err := cloud.Connect("novanats demo")
			if err != nil {
				return err
			}
			tasks, err := conductor.NewTaskAPI(nc, rpc.Caller("novanats-demo"))
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "booting %d instances (%d MiB each)\n", instances, memoryMB)
			var ids []string
			var reqs []conductor.BuildRequest
			for i := 1; i <= instances; i++ {
				id := uuid.NewString()
				ids = append(ids, id)
				reqs = append(reqs, conductor.BuildRequest{InstanceUUID: id, DisplayName: fmt.Sprintf("demo-%d", i), Flavor: demoFlavor(memoryMB)})
			}
			if err := tasks.ScheduleAndBuildInstances(apiContext(ctx), reqs); err != nil {
				return err
			}
			var chosen *objects.Instance
			for _, id := range ids {
				inst, err := awaitActive(ctx, cloud.Store, id)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "  %s %s active on %s\n", inst.DisplayName.Get(), id, inst.Host.Get())
				if chosen == nil {
					chosen = inst
				}
			}

			id, source := chosen.UUID.Get(), chosen.Host.Get()
			fmt.Fprintf(out, "\nlive-migrating %s from %s (the scheduler picks the destination)\n", chosen.DisplayName.Get(), source)
			lmCtx := apiContext(ctx)
			mig, err := tasks.MigrateServer(lmCtx, conductor.LiveMigrateInstanceArgs{InstanceUUID: id})
			if err != nil {
				return fmt.Errorf("live migration refused: %w", err)
			}
			stats := func(*objects.Migration) (virt.JobStats, bool) {
				js, err := cloud.Drivers[source].LiveMigrationStats(id)
				return js, err == nil
			}
			final, err := followMigration(ctx, out, cloud.Store, mig.ID.Get(), stats)
			if err != nil {
				return err
			}
			if s := final.Status.Get(); s != objects.MigrationCompleted {
				return fmt.Errorf("migration ended %s", s)
			}
			after, err := cloud.Store.Instances.Get(ctx, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "  %s now runs on %s\n\n", after.DisplayName.Get(), after.Host.Get())
			if err := printTimeline(ctx, out, cloud.Store, id, objects.ActionLiveMigration); err != nil {
				return err
			}
			fmt.Fprintf(out, "\nmetrics: curl -s http://%s/metrics | grep -E 'novanats_(rpc|migration)_'\n", cloud.MetricsAddr())
			fmt.Fprintln(out, "(this cloud stops now; 'novanats dev' keeps one running)")
			return nil
		},
	}
	cmd.Flags().IntVar(&instances, "instances", 3, "instances to boot")
	cmd.Flags().IntVar(&memoryMB, "memory-mb", 8192, "memory of each instance (what the migration copies)")
	cmd.Flags().Float64Var(&speed, "sim-speed", 4, "simulated clock speed")
	cmd.Flags().StringVar(&metrics, "listen-metrics", "127.0.0.1:0", "address for the demo cloud's /metrics")
	return cmd
}

// demoFlavor is the demo's flavor: 2 vCPUs, memoryMB, 10 GB.
func demoFlavor(memoryMB int) *objects.Flavor {
	return objects.NewFlavor("demo", 2, memoryMB, 10)
}

// apiContext is a new request, as nova-api starts one per API call.
func apiContext(ctx context.Context) context.Context {
	rc := rpc.NewRequestContext()
	rc.UserID, rc.ProjectID = "demo", "demo"
	return rpc.StartTrace(rpc.WithRequestContext(ctx, rc))
}

func faultOf(inst *objects.Instance) string {
	if f, ok := inst.Fault.Lookup(); ok && f != nil {
		return f.Message.Get()
	}
	return "no fault recorded"
}
