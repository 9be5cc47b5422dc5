package main

import (
	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/config"
	"github.com/novanats/novanats/pkg/devcloud"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor"
)

func newConductorCommand() *cobra.Command {
	var f serviceFlags
	cmd := &cobra.Command{
		Use:   "conductor",
		Short: "Run nova-conductor: the object store's owner and the compute_task API (boot, live migration)",
		Long: `conductor serves the "conductor" topic: the object indirection API computes
save through, placement updates for computes, and the compute_task API that
boots instances and runs live migrations. It owns the JetStream state (with
the schedulers). Run two or more for availability; any of them serves any
request.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			vals, err := f.load(cmd)
			if err != nil || f.printConfig {
				return err
			}
			var cc config.Conductor
			if err := vals.Bind(&cc); err != nil {
				return withCode(exitUsage, err)
			}
			p, err := newProcess(conductor.Binary, &f)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, pl, err := devcloud.OpenState(ctx, p.nc, devcloud.StateConfig{Prefix: bucketPrefix(f.subjectPrefix), Replicas: f.replicas})
			if err != nil {
				p.close()
				return withCode(exitUnavailable, err)
			}
			copts := []rpc.ClientOption{rpc.WithMetrics(p.metrics), rpc.Caller(conductor.Binary)}
			if f.subjectPrefix != "" {
				copts = append(copts, rpc.SubjectPrefix(f.subjectPrefix))
			}
			computeAPI, err := compute.NewAPI(p.nc, copts...)
			if err != nil {
				p.close()
				return withCode(exitUsage, err)
			}
			computeAPI = computeAPI.WithLongRPCTimeout(cc.LongRPCTimeout, cc.RPCResponseTimeout)
			svc, err := conductor.NewService(p.nc, st, conductor.Config{
				Host: cc.Host, ServiceGroup: cc.ServiceGroup(), Logger: p.log, Metrics: p.metrics,
				WorkerPool: cc.ExecutorThreadPoolSize, SubjectPrefix: f.subjectPrefix,
				Placement: pl, Compute: computeAPI, MigrateMaxRetries: &cc.MigrateMaxRetries,
			})
			if err != nil {
				p.close()
				return withCode(exitUsage, err)
			}
			p.reg.MustRegister(svc.ServiceCollector()) // novanats_service_up/disabled (docs/metrics.md)
			if err := svc.Start(ctx); err != nil {
				p.close()
				return err
			}
			return p.serve(ctx, svc)
		},
	}
	f.register(cmd, config.ServiceConductor)
	return cmd
}
