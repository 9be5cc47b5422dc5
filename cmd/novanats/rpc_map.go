package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/rpc/rpcmap"
)

func newRPCMapCommand() *cobra.Command {
	var (
		output string
		source string
	)
	cmd := &cobra.Command{
		Use:   "map",
		Short: "Print every RPC method of every service, with the function that sends it and the handler that serves it",
		Long: `map lists every RPC method: service, namespace, method, call or cast,
version, the client function that sends it and the handler that serves it
(file:line). It is built from the method declarations compiled into this
binary and the source they come from, so it reads the novanats source tree:
run it in the repository or pass --source. docs/rpc-map.md is its markdown.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			rows, err := buildRPCMap(source)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch output {
			case "markdown":
				fmt.Fprint(out, rpcmap.Markdown(rows))
			case "json", "yaml":
				return writeStructured(out, output, rows)
			case "table":
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SERVICE\tNAMESPACE\tMETHOD\tTYPE\tVERSION\tSENT BY\tHANDLED BY")
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Topic, dash(r.Namespace), r.Method, r.CallType, r.Version,
						dash(strings.Join(r.Senders, ", ")), dash(strings.Join(r.Handlers, ", ")))
				}
				return tw.Flush()
			default:
				return withCode(exitUsage, fmt.Errorf("-o %q: map prints table, json, yaml or markdown", output))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table, json, yaml or markdown")
	cmd.Flags().StringVar(&source, "source", ".", "root of the novanats source tree")
	return cmd
}

func buildRPCMap(source string) ([]rpcmap.Row, error) {
	if _, err := os.Stat(filepath.Join(source, "go.mod")); err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("rpc map reads the source: %s is not the novanats repository (no go.mod); run it there or pass --source", source))
	}
	return rpcmap.Build(source, rpc.Methods(), false)
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
