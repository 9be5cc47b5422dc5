package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/config"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor"
	"github.com/novanats/novanats/services/conductor/kubecontroller"
)

func newConductorCommand() *cobra.Command {
	var (
		f    serviceFlags
		kube kubeFlags
	)
	cmd := &cobra.Command{
		Use:   "conductor",
		Short: "Run nova-conductor: the object store's owner and the compute_task API (boot, live migration)",
		Long: `conductor serves the "conductor" topic: the object indirection API computes
save through, placement updates for computes, and the compute_task API that
boots instances and runs live migrations. It owns the JetStream state (with
the schedulers). Run two or more for availability; any of them serves any
request.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var cc config.Conductor
			if run, err := f.bind(cmd, &cc); !run {
				return err
			}
			p, err := newProcess(conductor.Binary, &f)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, pl, err := p.openState(ctx, &f)
			if err != nil {
				return err
			}
			copts := []rpc.ClientOption{rpc.WithMetrics(p.metrics), rpc.Caller(conductor.Binary)}
			if f.subjectPrefix != "" {
				copts = append(copts, rpc.SubjectPrefix(f.subjectPrefix))
			}
			computeAPI, err := compute.NewAPI(p.nc, copts...)
			if err != nil {
				return p.fail(exitUsage, err)
			}
			computeAPI = computeAPI.WithLongRPCTimeout(cc.LongRPCTimeout, cc.RPCResponseTimeout)
			svc, err := conductor.NewService(p.nc, st, conductor.Config{
				Host: cc.Host, ServiceGroup: cc.ServiceGroup(), Logger: p.log, Metrics: p.metrics,
				WorkerPool: cc.ExecutorThreadPoolSize, SubjectPrefix: f.subjectPrefix,
				Placement: pl, Compute: computeAPI, MigrateMaxRetries: &cc.MigrateMaxRetries,
			})
			if err != nil {
				return p.fail(exitUsage, err)
			}
			p.reg.MustRegister(svc.ServiceCollector()) // novanats_service_up/disabled (docs/metrics.md)
			if err := p.start(ctx, svc); err != nil {
				return err
			}
			if !kube.enabled {
				return p.serve(ctx, svc)
			}
			stopCtl, err := kube.start(kubecontroller.Options{Store: st, NATS: p.nc, SubjectPrefix: f.subjectPrefix,
				ServiceGroup: cc.ServiceGroup(), Logger: p.log.With("component", "kube-controller")}, p.log)
			if err != nil {
				_ = svc.Stop(context.Background())
				return p.fail(exitUsage, err)
			}
			p.ops.AddGatherer(kubecontroller.Metrics()) // controller_runtime_*, workqueue_*, rest_client_* (docs/metrics.md)
			return p.serve(ctx, withController{svc, stopCtl})
		},
	}
	f.register(cmd, config.ServiceConductor)
	kube.register(cmd, true)
	return cmd
}

// kubeFlags run the Kubernetes controller (services/conductor/kubecontroller)
// in the process: conductor's --kube-controller, dev's --kubeconfig.
type kubeFlags struct {
	enabled    bool
	kubeconfig string
	namespace  string
	leaseID    string
}

func (k *kubeFlags) register(cmd *cobra.Command, withSwitch bool) {
	fs := cmd.Flags()
	if withSwitch {
		fs.BoolVar(&k.enabled, "kube-controller", false, "run the Kubernetes controller (LiveMigration, ComputeHost) under leader election")
	}
	fs.StringVar(&k.kubeconfig, "kubeconfig", "", "kubeconfig of the cluster for the controller (default: the pod's service account)")
	fs.StringVar(&k.namespace, "leader-election-namespace", "", "namespace of the controller's leader-election Lease (default: the pod's)")
	fs.StringVar(&k.leaseID, "leader-election-id", kubecontroller.DefaultLeaderElectionID, "name of the controller's leader-election Lease")
}

// start starts the controller under leader election and returns its stop.
func (k *kubeFlags) start(o kubecontroller.Options, log *slog.Logger) (func(context.Context) error, error) {
	cfg, err := kubecontroller.InClusterOrKubeconfig(k.kubeconfig)
	if err != nil {
		return nil, err
	}
	o.LeaderElection, o.LeaderElectionNamespace, o.LeaderElectionID = true, k.namespace, k.leaseID
	c, err := kubecontroller.New(cfg, o)
	if err != nil {
		return nil, err
	}
	log.Info("kubernetes controller started; reconciling once elected", "lease", k.leaseID)
	return c.Background(log), nil
}

// withController stops the controller before the conductor, so that its
// reconciles end while the RPCs they make are still served.
type withController struct {
	*conductor.Service
	stopController func(context.Context) error
}

func (w withController) Stop(ctx context.Context) error {
	return errors.Join(w.stopController(ctx), w.Service.Stop(ctx))
}
