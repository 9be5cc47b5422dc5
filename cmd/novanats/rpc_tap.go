package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/rpc/tap"
)

func newRPCTapCommand() *cobra.Command {
	var (
		nf                 natsFlags
		output             string
		width              int
		requestID, traceID string
	)
	cmd := &cobra.Command{
		Use:   "tap [SUBJECT...]",
		Short: "Print every RPC message as it passes, decoded, with replies matched to their calls",
		Long: `tap subscribes (read-only) to RPC subjects and prints every call, cast and
fanout decoded: time, subject, kind, method, version, request id, caller and
a short form of the args; replies and remote errors are matched to their
call with the latency. Without SUBJECT it watches everything.

While tap runs NATS counts it as a listener on what it watches, so a call
to a server that is not running waits for its timeout instead of failing
at once.`,
		Example: `  novanats rpc tap                  # everything
  novanats rpc tap 'compute.>'      # calls and casts to compute hosts
  novanats rpc tap --request-id req-2f1e0c8a-9d6b-4a53-8c1e-4d2b7f0a9e11
                                    # one request's flow (live-migrate prints its id)
  novanats rpc tap -o json | jq .   # one JSON object per message
  novanats rpc tap -o yaml          # one YAML document per message`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "text" && output != "json" && output != "yaml" {
				return withCode(exitUsage, fmt.Errorf("-o %q: tap prints text, json or yaml", output))
			}
			nc, err := nf.connect("novanats rpc tap")
			if err != nil {
				return err
			}
			defer nc.Close()
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			enc := json.NewEncoder(out)
			opts := tap.Options{Subjects: args, ArgsWidth: width, RequestID: requestID, TraceID: traceID}
			return tap.Run(ctx, nc, opts, func(ev tap.Event) {
				switch output {
				case "json":
					_ = enc.Encode(ev)
					return
				case "yaml":
					// A YAML stream: one document per message.
					fmt.Fprintln(out, "---")
					_ = writeStructured(out, output, ev)
					return
				}
				fmt.Fprintln(out, tap.Format(ev))
			})
		},
	}
	nf.register(cmd.Flags())
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text, json (one object a line) or yaml (one document a message)")
	cmd.Flags().IntVar(&width, "args-width", 120, "characters of args to show")
	cmd.Flags().StringVar(&requestID, "request-id", "", "only the messages of this request id (req-<uuid>), replies included")
	cmd.Flags().StringVar(&traceID, "trace-id", "", "only the messages of this W3C trace id (32 hex digits), replies included")
	cmd.SetContext(context.Background())
	return cmd
}
