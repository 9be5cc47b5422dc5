package main

import "github.com/spf13/cobra"

func newRPCCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rpc",
		Short: "See the RPC trail: live traffic and the map of every method",
	}
	cmd.AddCommand(newRPCTapCommand(), newRPCMapCommand())
	return cmd
}
