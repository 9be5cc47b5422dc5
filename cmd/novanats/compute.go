package main

import (
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/config"
	"github.com/novanats/novanats/pkg/natsauth"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt/sim"
)

func newComputeCommand() *cobra.Command {
	var (
		f      serviceFlags
		driver string
		simOpt simFlags
	)
	cmd := &cobra.Command{
		Use:   "compute --host NAME",
		Short: "Run nova-compute for one host: builds, deletes and live migrations on its hypervisor",
		Long: `compute serves the "compute.<host>" subject for one host. It never touches
the JetStream state: every save goes through conductor, as in nova. The
"sim" driver is a simulated hypervisor (guest memory, dirty pages, link
bandwidth) for clusters without one.

Simulated hosts in separate processes cannot live-migrate to each other yet:
the simulator's migration link is in-process. Use 'novanats dev' (several
simulated hosts in one process) to try live migration.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			vals, err := f.load(cmd)
			if err != nil || f.printConfig {
				return err
			}
			cfg, err := compute.NewConfig(vals)
			if err != nil {
				return withCode(exitUsage, err)
			}
			if driver != "sim" {
				return withCode(exitUsage, fmt.Errorf("--driver %q: the only driver is sim", driver))
			}
			opts, err := simOpt.options()
			if err != nil {
				return withCode(exitUsage, err)
			}
			drv, err := sim.New(opts)
			if err != nil {
				return withCode(exitUsage, err)
			}
			// The compute's NATS permissions allow replies only under its
			// own inbox prefix (no host can read another's replies).
			p, err := newProcess("nova-compute", &f, nats.CustomInboxPrefix(natsauth.ComputeInboxPrefix(cfg.Host)))
			if err != nil {
				return err
			}
			cfg.Logger, cfg.Metrics, cfg.Registerer, cfg.SubjectPrefix = p.log, p.metrics, p.reg, f.subjectPrefix
			svc, err := compute.NewService(p.nc, drv, cfg)
			if err != nil {
				return p.fail(exitUsage, err)
			}
			return p.run(cmd.Context(), svc)
		},
	}
	f.register(cmd, config.ServiceCompute)
	cmd.Flags().StringVar(&driver, "driver", "sim", "virt driver: sim (simulated hypervisor)")
	simOpt.register(cmd)
	return cmd
}

// simFlags size the simulated hypervisor.
type simFlags struct {
	vcpus, memoryMB, localGB int
	bandwidthMiBps           float64
	speed                    float64
}

func (s *simFlags) register(cmd *cobra.Command) {
	d := sim.DefaultOptions()
	fs := cmd.Flags()
	fs.IntVar(&s.vcpus, "sim-vcpus", d.VCPUs, "simulated host: vCPUs")
	fs.IntVar(&s.memoryMB, "sim-memory-mb", d.MemoryMB, "simulated host: memory in MiB")
	fs.IntVar(&s.localGB, "sim-local-gb", d.LocalGB, "simulated host: local disk in GiB")
	fs.Float64Var(&s.bandwidthMiBps, "sim-link-mibps", d.LinkBandwidthMiBps, "simulated host: migration link bandwidth in MiB/s")
	fs.Float64Var(&s.speed, "sim-speed", 1, "simulated clock speed (100 runs migrations 100 times faster than real time)")
}

func (s *simFlags) options() (sim.Options, error) {
	o := sim.DefaultOptions()
	o.VCPUs, o.MemoryMB, o.LocalGB, o.LinkBandwidthMiBps = s.vcpus, s.memoryMB, s.localGB, s.bandwidthMiBps
	if s.speed != 1 {
		clk, err := sim.NewAcceleratedClock(s.speed)
		if err != nil {
			return o, fmt.Errorf("--sim-speed: %w", err)
		}
		o.Clock = clk
	}
	return o, nil
}
