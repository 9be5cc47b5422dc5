package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
)

// hostRow is one compute host as host list prints it.
type hostRow struct {
	Host           string `json:"host"`
	Up             bool   `json:"up"`
	Disabled       bool   `json:"disabled"`
	DisabledReason string `json:"disabled_reason,omitempty"`
	VCPUsUsed      int    `json:"vcpus_used"`
	VCPUs          int    `json:"vcpus"`
	MemoryMBUsed   int    `json:"memory_mb_used"`
	MemoryMB       int    `json:"memory_mb"`
	Instances      int    `json:"instances"`
}

func newHostCommand() *cobra.Command {
	var f opFlags
	cmd := &cobra.Command{Use: "host", Short: "List, disable, enable and evacuate compute hosts"}
	f.registerOp(cmd)
	var (
		o        outputFlag
		downTime time.Duration
	)
	list := &cobra.Command{
		Use:   "list",
		Short: "List nova-compute hosts: liveness, disabled, usage and instances",
		Args:  usageArgs(cobra.NoArgs),
		RunE: f.readStore(&o, func(ctx context.Context, st *store.Store, out io.Writer, _ []string) error {
			svcs, err := st.Services.ListByBinary(ctx, "nova-compute")
			if err != nil {
				return err
			}
			cfg := servicegroup.Config{ServiceDownTime: downTime}
			now := time.Now()
			rows := []hostRow{}
			for _, sv := range svcs {
				r := hostRow{Host: sv.Host.Get(), Up: store.IsUp(sv, cfg, now), Disabled: sv.Disabled.Get(), DisabledReason: sv.DisabledReason.Get()}
				nodes, err := st.ComputeNodes.ListByHost(ctx, r.Host)
				if err != nil {
					return err
				}
				for _, n := range nodes {
					r.VCPUs += n.VCPUs.Get()
					r.VCPUsUsed += n.VCPUsUsed.Get()
					r.MemoryMB += n.MemoryMB.Get()
					r.MemoryMBUsed += n.MemoryMBUsed.Get()
				}
				insts, err := st.Instances.ListByHost(ctx, r.Host)
				if err != nil {
					return err
				}
				r.Instances = len(insts)
				rows = append(rows, r)
			}
			return o.print(out, rows, func(tw io.Writer) {
				fmt.Fprintln(tw, "HOST\tUP\tDISABLED\tVCPUS\tMEMORY\tINSTANCES")
				for _, r := range rows {
					up := "down"
					if r.Up {
						up = "up"
					}
					disabled := "no"
					if r.Disabled {
						disabled = "yes"
						if r.DisabledReason != "" {
							disabled += " (" + r.DisabledReason + ")"
						}
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%d/%d MiB\t%d\n", r.Host, up, disabled, r.VCPUsUsed, r.VCPUs, r.MemoryMBUsed, r.MemoryMB, r.Instances)
				}
			})
		}),
	}
	o.register(list.Flags())
	list.Flags().DurationVar(&downTime, "service-down-time", servicegroup.DefaultServiceDownTime, "a host whose last report is older is down (nova's service_down_time)")
	cmd.AddCommand(list)
	cmd.AddCommand(newHostToggleCommands(&f)...)
	cmd.AddCommand(newHostEvacuateLiveCommand(&f))
	return cmd
}

// noHost makes a compute host the store does not know exit 4, in the one
// line every host command prints; other errors pass unchanged.
func noHost(host string, err error) error {
	if errors.Is(err, exception.ErrNotFound) {
		return withCode(exitNotFound, fmt.Errorf("no compute host %q (see 'novanats host list')", host))
	}
	return err
}
