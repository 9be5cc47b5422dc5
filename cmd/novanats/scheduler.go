package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/config"
	"github.com/novanats/novanats/services/scheduler"
	"github.com/novanats/novanats/services/scheduler/weights"
)

func newSchedulerCommand() *cobra.Command {
	var f serviceFlags
	cmd := &cobra.Command{
		Use:   "scheduler",
		Short: "Run nova-scheduler: select_destinations for any number of instances, with claims",
		Long: `scheduler serves select_destinations on the "scheduler" topic (any
scheduler of the queue group answers). Run as many as you like. It reads
host state and makes claims in JetStream; nova's [filter_scheduler] and
[DEFAULT] options configure it (flags, NOVANATS_<GROUP>__<NAME>, or
--config-file nova.conf).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var sc config.Scheduler
			if run, err := f.bind(cmd, &sc); !run {
				return err
			}
			p, err := newProcess("nova-scheduler", &f)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, pl, err := p.openState(ctx, &f)
			if err != nil {
				return err
			}
			svc, err := scheduler.NewService(p.nc, st, pl, schedulerConfig(sc, p, f.subjectPrefix))
			if err != nil {
				return p.fail(exitUsage, err)
			}
			return p.run(ctx, svc)
		},
	}
	f.register(cmd, config.ServiceScheduler)
	return cmd
}

// schedulerConfig maps nova's options onto the scheduler's Config.
func schedulerConfig(sc config.Scheduler, p *process, prefix string) scheduler.Config {
	w := sc.Weights()
	return scheduler.Config{
		Host:                        sc.Host,
		EnabledFilters:              sc.EnabledFilters,
		WeightClasses:               sc.WeightClasses,
		Weights:                     &weights.Options{RAMWeightMultiplier: w.RAMWeightMultiplier, CPUWeightMultiplier: w.CPUWeightMultiplier, DiskWeightMultiplier: w.DiskWeightMultiplier, NumInstancesWeightMultiplier: w.NumInstancesWeightMultiplier},
		DefaultAvailabilityZone:     sc.DefaultAvailabilityZone,
		MaxAttempts:                 sc.MaxAttempts,
		HostSubsetSize:              sc.HostSubsetSize,
		ShuffleBestSameWeighedHosts: sc.ShuffleBestSameWeighedHosts,
		ServiceGroup:                sc.ServiceGroup(),
		Logger:                      p.log,
		Metrics:                     p.metrics,
		WorkerPool:                  sc.ExecutorThreadPoolSize,
		SubjectPrefix:               prefix,
	}
}

// bucketPrefix turns a subject prefix ("cell1.") into a bucket prefix
// ("cell1"): bucket names allow no dots.
func bucketPrefix(subjectPrefix string) string {
	return strings.ReplaceAll(strings.TrimSuffix(subjectPrefix, "."), ".", "-")
}
