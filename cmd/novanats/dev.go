package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/devcloud"
	"github.com/novanats/novanats/services/conductor/kubecontroller"
)

func newDevCommand() *cobra.Command {
	var (
		cfg     devcloud.Config
		verbose bool
		kube    kubeFlags
	)
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run a whole cloud in this process: NATS with JetStream, conductor, scheduler and simulated compute hosts",
		Long: `dev starts an embedded NATS (JetStream on disk), a conductor, schedulers and
simulated compute hosts (compute-1, compute-2, ...) in one process, prints
the NATS URL and the metrics address, and runs until Ctrl-C. State is kept
in --data-dir: start it again on the same directory and the instances are
still there.`,
		Example: `  novanats dev                      # 3 hosts, NATS on 127.0.0.1:4222, metrics on 127.0.0.1:9090
  novanats dev --computes 10 --sim-speed 50`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if verbose {
				cfg.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			}
			if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
				return withCode(exitUsage, fmt.Errorf("--data-dir %s: %w", cfg.DataDir, err))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			cloud, err := devcloud.Start(ctx, cfg)
			if err != nil {
				return withCode(exitUnavailable, err)
			}
			out := cmd.OutOrStdout()
			stopCtl := func(context.Context) error { return nil }
			if kube.kubeconfig != "" {
				// Out of a cluster the Lease's namespace must be named;
				// "default" exists in every cluster.
				if kube.namespace == "" {
					kube.namespace = "default"
				}
				nc, err := cloud.Connect("novanats-dev-kube-controller")
				if err == nil {
					log := cfg.Logger
					if log == nil {
						log = slog.New(slog.DiscardHandler)
					}
					stopCtl, err = kube.start(kubecontroller.Options{Store: cloud.Store, NATS: nc, Logger: log}, log)
				}
				if err != nil {
					_ = cloud.Stop(context.Background())
					return withCode(exitUsage, err)
				}
				cloud.AddMetrics(kubecontroller.Metrics())
			}
			fmt.Fprintf(out, "novanats dev cloud is up\n")
			fmt.Fprintf(out, "  NATS:     %s   (export NOVANATS_NATS_URL=%s)\n", cloud.NATSURL(), cloud.NATSURL())
			fmt.Fprintf(out, "  metrics:  http://%s/metrics   health: /healthz /readyz\n", cloud.MetricsAddr())
			fmt.Fprintf(out, "  hosts:    %v\n", cloud.Hosts)
			fmt.Fprintf(out, "  state:    %s\n", cfg.DataDir)
			if kube.kubeconfig != "" {
				fmt.Fprintf(out, "  kube:     controller for LiveMigration, ComputeHost in %s\n", kube.kubeconfig)
			}
			fmt.Fprintf(out, "Ctrl-C stops it; the state stays in the data dir.\n")
			<-ctx.Done()
			fmt.Fprintln(out, "stopping...")
			stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			return errors.Join(stopCtl(stopCtx), cloud.Stop(stopCtx))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.DataDir, "data-dir", defaultDataDir(), "where JetStream keeps the cloud's state")
	fs.IntVar(&cfg.NATSPort, "nats-port", 4222, "port of the embedded NATS (-1: any free port)")
	fs.StringVar(&cfg.MetricsAddr, "listen-metrics", "127.0.0.1:9090", "address for /metrics, /healthz and /readyz")
	fs.IntVar(&cfg.Computes, "computes", 3, "simulated compute hosts")
	fs.IntVar(&cfg.Schedulers, "schedulers", 1, "schedulers")
	fs.Float64Var(&cfg.SimSpeed, "sim-speed", 1, "simulated clock speed (migrations run this many times faster)")
	fs.BoolVarP(&verbose, "verbose", "v", false, "log every service's lines to stderr")
	kube.register(cmd, false) // --kubeconfig runs the Kubernetes controller against that cluster
	return cmd
}

// defaultDataDir is under the user's cache directory, or a temp dir.
func defaultDataDir() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "novanats", "dev")
	}
	return filepath.Join(os.TempDir(), "novanats-dev")
}
