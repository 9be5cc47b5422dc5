package kubecontroller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/compute"
)

// ConditionUp is the ComputeHost condition that mirrors status.up, with
// the reason it changed.
const ConditionUp = "Up"

// minRecheck bounds how often a host whose liveness is about to change is
// looked at again.
const minRecheck = time.Second

type computeHosts struct {
	client.Client
	store    *store.Store
	sg       servicegroup.Config
	log      *slog.Logger
	events   chan event.GenericEvent
	recorder recorder.EventRecorder // Events on ComputeHosts (events.go)
}

func setupComputeHosts(mgr ctrl.Manager, r *computeHosts) error {
	r.events = make(chan event.GenericEvent, 1024)
	if err := mgr.Add(&hostFeed{r: r}); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("computehost").
		For(&novav1.ComputeHost{}).
		WatchesRawSource(source.Channel(r.events, &handler.EnqueueRequestForObject{})).
		Complete(r)
}

// Reconcile makes the ComputeHost named like a nova-compute service's host
// say what nova says about it, and applies a changed spec to nova.
//
// The spec is applied only when it changed (metadata.generation differs
// from status.observedGeneration): `novanats host disable` and other nova
// clients keep working, their change shows in status.disabled, and the
// controller does not fight them with a spec nobody touched.
func (r *computeHosts) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	host := req.Name
	sv, err := r.store.Services.Get(ctx, host, compute.Binary)
	notInNova := errors.Is(err, exception.ErrNotFound)
	if err != nil && !notInNova {
		return ctrl.Result{}, err
	}
	ch := new(novav1.ComputeHost)
	err = r.Get(ctx, client.ObjectKey{Name: host}, ch)
	switch {
	case apierrors.IsNotFound(err) && notInNova:
		return ctrl.Result{}, nil
	case err != nil && !apierrors.IsNotFound(err):
		return ctrl.Result{}, err
	case notInNova:
		// The service was deleted from nova: so is its host.
		return ctrl.Result{}, client.IgnoreNotFound(r.Delete(ctx, ch))
	case apierrors.IsNotFound(err):
		// New host: the spec starts as nova has it, so creating the
		// object changes nothing in nova.
		ch = &novav1.ComputeHost{ObjectMeta: metav1.ObjectMeta{Name: host,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "novanats-conductor"}}}
		ch.Spec.Disabled, ch.Spec.DisabledReason = sv.Disabled.Get(), sv.DisabledReason.Get()
		if err := r.Create(ctx, ch); err != nil {
			return ctrl.Result{}, err
		}
		// Generation 1 is this spec, which nova already has.
		ch.Status.ObservedGeneration = ch.Generation
	}

	if ch.Generation != ch.Status.ObservedGeneration &&
		(ch.Spec.Disabled != sv.Disabled.Get() || (ch.Spec.Disabled && ch.Spec.DisabledReason != sv.DisabledReason.Get())) {
		// The same write as `novanats host disable|enable`.
		sv, err = r.store.Services.Update(ctx, host, compute.Binary, func(s *objects.Service) error {
			s.Disabled.Set(ch.Spec.Disabled)
			if ch.Spec.Disabled {
				s.DisabledReason.Set(ch.Spec.DisabledReason)
			} else {
				s.DisabledReason.SetNull()
			}
			return nil
		})
		if err != nil {
			return ctrl.Result{}, err
		}
		r.log.Info("compute service updated from its ComputeHost", "host", host, "disabled", ch.Spec.Disabled, "reason", ch.Spec.DisabledReason)
	}

	before := ch.Status.DeepCopy()
	now := r.store.Now()
	if err := r.observe(ctx, ch, sv, now); err != nil {
		return ctrl.Result{}, err
	}
	r.throttleHeartbeat(before, &ch.Status)
	if !equality.Semantic.DeepEqual(before, &ch.Status) {
		if err := r.Status().Update(ctx, ch); err != nil {
			return ctrl.Result{}, err
		}
		announceHost(r.recorder, ch, before)
	}
	return ctrl.Result{RequeueAfter: r.nextCheck(sv, now)}, nil
}

// throttleHeartbeat keeps the written lastHeartbeat when nothing else
// changed and it is less than half a service_down_time old. Every compute
// reports each report_interval (10 s); writing each report to the API
// server would cost a write per host per 10 s (100/s for 1000 hosts) to say
// nothing new. lastHeartbeat is therefore at most half a down time stale,
// and up/down itself is never held back.
func (r *computeHosts) throttleHeartbeat(before, after *novav1.ComputeHostStatus) {
	if before.LastHeartbeat == nil || after.LastHeartbeat == nil {
		return
	}
	cfg, _ := r.sg.Effective()
	if after.LastHeartbeat.Sub(before.LastHeartbeat.Time) >= cfg.ServiceDownTime/2 {
		return
	}
	latest := after.LastHeartbeat
	after.LastHeartbeat = before.LastHeartbeat
	if !equality.Semantic.DeepEqual(before, after) {
		after.LastHeartbeat = latest // something else changed: write the latest too
	}
}

// nextCheck is when the host's liveness can next change without a record
// changing: "up" is a judgement of the time since the last report
// (service_down_time), so an up host turns down by the clock alone, with
// no store event to say so. The check is due just after the last report
// expires, and at least every service_down_time: reports arrive every
// report_interval (well within it) and each one wakes the host through
// the services watch, so a live host is checked early anyway, and a host
// that stops reporting shows down within about service_down_time, as nova
// would say. A down host turns up only with a report, which the watch
// brings; the bound is then only a safety net.
func (r *computeHosts) nextCheck(sv *objects.Service, now time.Time) time.Duration {
	cfg, _ := r.sg.Effective()
	next := cfg.ServiceDownTime
	if last, ok := sv.LastSeenUp.Lookup(); ok && store.IsUp(sv, r.sg, now) {
		if until := last.Add(cfg.ServiceDownTime).Sub(now) + minRecheck; until < next {
			next = until
		}
	}
	return max(next, minRecheck)
}

// observe fills ch's status from the service, its compute nodes, its
// instances and the migrations in progress from or to it.
func (r *computeHosts) observe(ctx context.Context, ch *novav1.ComputeHost, sv *objects.Service, now time.Time) error {
	host := ch.Name
	st := &ch.Status
	st.Up = store.IsUp(sv, r.sg, now)
	st.Disabled, st.DisabledReason = sv.Disabled.Get(), sv.DisabledReason.Get()
	if last, ok := sv.LastSeenUp.Lookup(); ok {
		t := metav1.NewTime(last.Truncate(time.Second))
		st.LastHeartbeat = &t
	}
	nodes, err := r.store.ComputeNodes.ListByHost(ctx, host)
	if err != nil {
		return err
	}
	var vcpus, mem, disk novav1.ResourceUsage
	for _, n := range nodes {
		vcpus.Used += int64(n.VCPUsUsed.Get())
		vcpus.Total += int64(n.VCPUs.Get())
		mem.Used += int64(n.MemoryMBUsed.Get())
		mem.Total += int64(n.MemoryMB.Get())
		disk.Used += int64(n.LocalGBUsed.Get())
		disk.Total += int64(n.LocalGB.Get())
	}
	if len(nodes) > 0 {
		st.VCPUs, st.MemoryMB, st.DiskGB = &vcpus, &mem, &disk
		st.VCPUsSummary = fmt.Sprintf("%d/%d", vcpus.Used, vcpus.Total)
		st.MemorySummary = fmt.Sprintf("%d/%d MiB", mem.Used, mem.Total)
	}
	insts, err := r.store.Instances.ListByHost(ctx, host)
	if err != nil {
		return err
	}
	st.Instances = int32(len(insts))
	st.InstanceRefs = nil
	for _, in := range insts {
		st.InstanceRefs = append(st.InstanceRefs, novav1.InstanceRef{UUID: in.UUID.Get(), Name: in.DisplayName.Get()})
	}
	migs, err := r.store.Migrations.ListInProgressByHost(ctx, host)
	if err != nil {
		return err
	}
	st.MigrationsInProgress = 0
	for _, m := range migs {
		if m.IsLiveMigration() {
			st.MigrationsInProgress++
		}
	}
	cond := metav1.Condition{Type: ConditionUp, Status: metav1.ConditionTrue, Reason: "Reporting",
		Message: "the compute service reports to the service group", ObservedGeneration: ch.Generation}
	if !st.Up {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, "NotReporting", (&exception.ComputeServiceUnavailable{Host: host}).Error()
		if sv.ForcedDown.Get() {
			cond.Reason, cond.Message = "ForcedDown", "the compute service is forced down"
		}
	}
	meta.SetStatusCondition(&st.Conditions, cond)
	st.ObservedGeneration = ch.Generation
	return nil
}

// hostFeed wakes the ComputeHost of every host whose records change: a
// service's report or disable, a compute node's usage, an instance, a
// migration from or to it. One JetStream watch per table, on the leader
// only. The first pass of the services watch delivers every service, so a
// new leader creates the ComputeHosts that are missing.
type hostFeed struct{ r *computeHosts }

func (f *hostFeed) Start(ctx context.Context) error {
	wake := func(hosts ...string) {
		for _, h := range hosts {
			if h == "" {
				continue
			}
			select {
			case f.r.events <- event.GenericEvent{Object: &novav1.ComputeHost{ObjectMeta: metav1.ObjectMeta{Name: h}}}:
			case <-ctx.Done():
			}
		}
	}
	st, log := f.r.store, f.r.log
	done := make(chan error, 4)
	go func() {
		done <- followStore(ctx, log, "services", st.Services.WatchAll, func(sv *objects.Service) {
			if sv.Binary.Get() == compute.Binary {
				wake(sv.Host.Get())
			}
		})
	}()
	go func() {
		done <- followStore(ctx, log, "compute nodes", st.ComputeNodes.WatchAll, func(n *objects.ComputeNode) { wake(n.Host.Get()) })
	}()
	go func() {
		done <- followStore(ctx, log, "instances", st.Instances.WatchAll, func(in *objects.Instance) { wake(in.Host.Get()) })
	}()
	go func() {
		done <- followStore(ctx, log, "migrations", st.Migrations.WatchAll, func(m *objects.Migration) {
			wake(m.SourceCompute.Get(), m.DestCompute.Get())
		})
	}()
	var errs []error
	for range 4 {
		errs = append(errs, <-done)
	}
	return errors.Join(errs...)
}
