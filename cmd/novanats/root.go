package main

import (
	"github.com/spf13/cobra"
)

// newRootCommand assembles the command tree. Each subcommand lives in its
// own file, named after it.
func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "novanats",
		Short: "OpenStack nova's control plane on NATS",
		Long: `novanats runs nova's conductor, scheduler and compute services on NATS,
with live migration as the flagship flow, and is the operator's CLI for them.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// A flag that does not parse is a usage error (exit 2), like a bad
	// argument, not a failed operation.
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return withCode(exitUsage, err) })
	root.AddCommand(newDemoCommand(), newDevCommand(), newRPCCommand(), newConductorCommand(), newSchedulerCommand(), newComputeCommand())
	root.AddCommand(newServerCommand())
	root.AddCommand(newLiveMigrateCommand())
	root.AddCommand(newMigrationCommand())
	root.AddCommand(newHostCommand())
	return root
}
