package kubecontroller_test

// End to end: a real etcd + kube-apiserver, a novanats cloud (embedded
// NATS, conductor, scheduler, simulated computes) and the controller,
// driven with the real kubectl, as a user would (internal/kubetest).

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
	"github.com/novanats/novanats/internal/kubetest"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor/kubecontroller"
)

const waitTimeout = "--timeout=120s"

// apply creates a LiveMigration with kubectl apply -f -.
func apply(t *testing.T, env *kubetest.Env, name, instance, target string, extra ...string) {
	t.Helper()
	y := fmt.Sprintf("apiVersion: novanats.io/v1alpha1\nkind: LiveMigration\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  instance: %q\n",
		name, kubetest.Namespace, instance)
	if target != "" {
		y += fmt.Sprintf("  targetHost: %s\n", target)
	}
	for _, e := range extra {
		y += "  " + e + "\n"
	}
	if out, err := env.KubectlStdin([]byte(y), "apply", "-f", "-"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// waitPhase waits with kubectl wait until the LiveMigration is in phase,
// and returns it.
func waitPhase(t *testing.T, env *kubetest.Env, name string, phase novav1.LiveMigrationPhase) *novav1.LiveMigration {
	t.Helper()
	if _, err := env.Kubectl("wait", "-n", kubetest.Namespace, "--for=jsonpath={.status.phase}="+string(phase), "lm/"+name, waitTimeout); err != nil {
		lm := get(t, env, name)
		t.Fatalf("%v\nstatus: %+v", err, lm.Status)
	}
	return get(t, env, name)
}

// watchEvents starts following the Events in namespace about the object
// of kind and name; await returns once one of each reason has come (the
// recorder sends them asynchronously), by reason. Events about
// cluster-scoped objects (ComputeHost) are in "default".
func watchEvents(t *testing.T, env *kubetest.Env, namespace, kind, name string) (await func(reasons ...string) map[string]eventsv1.Event) {
	t.Helper()
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: kubecontroller.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	w, err := wc.Watch(ctx, &eventsv1.EventList{}, client.InNamespace(namespace))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	seen := map[string]eventsv1.Event{}
	return func(reasons ...string) map[string]eventsv1.Event {
		t.Helper()
		for _, r := range reasons {
			for _, ok := seen[r]; !ok; _, ok = seen[r] {
				ev, open := <-w.ResultChan()
				if !open {
					t.Fatalf("events of %s %s: watch ended waiting for %q; got %v", kind, name, r, slices.Collect(maps.Keys(seen)))
				}
				if e, isEvent := ev.Object.(*eventsv1.Event); isEvent && e.Regarding.Kind == kind && e.Regarding.Name == name {
					seen[e.Reason] = *e
				}
			}
		}
		return seen
	}
}

func get(t *testing.T, env *kubetest.Env, name string) *novav1.LiveMigration {
	t.Helper()
	lm := new(novav1.LiveMigration)
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: kubetest.Namespace, Name: name}, lm); err != nil {
		t.Fatal(err)
	}
	return lm
}

// migrationsOf is every Migration nova has for the instance.
func migrationsOf(t *testing.T, env *kubetest.Env, uuid string) []*objects.Migration {
	t.Helper()
	all, err := env.Cloud.Store.Migrations.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var mine []*objects.Migration
	for _, m := range all {
		if m.InstanceUUID.Get() == uuid {
			mine = append(mine, m)
		}
	}
	return mine
}

func phases(lm *novav1.LiveMigration) []novav1.LiveMigrationPhase {
	var ps []novav1.LiveMigrationPhase
	for _, tr := range lm.Status.PhaseTransitions {
		ps = append(ps, tr.Phase)
	}
	return ps
}

func TestLiveMigrations(t *testing.T) {
	env := kubetest.Start(t, kubetest.Options{Computes: 4})

	t.Run("succeeds, by name, scheduler's choice", func(t *testing.T) {
		inst := env.Boot("vm-ok")
		src := inst.Host.Get()
		events := watchEvents(t, env, kubetest.Namespace, "LiveMigration", "vm-ok")
		apply(t, env, "vm-ok", "vm-ok", "")
		lm := waitPhase(t, env, "vm-ok", novav1.PhaseSucceeded)
		st := lm.Status
		moved := env.Instance(t, inst.UUID.Get())
		if st.InstanceUUID != inst.UUID.Get() || st.SourceHost != src || st.TargetHost == "" || st.TargetHost == src ||
			st.TargetHost != moved.Host.Get() {
			t.Errorf("status %+v; instance now on %s, was on %s", st, moved.Host.Get(), src)
		}
		migs := migrationsOf(t, env, inst.UUID.Get())
		if len(migs) != 1 || migs[0].UUID.Get() != st.MigrationID || migs[0].Status.Get() != objects.MigrationCompleted {
			t.Errorf("nova migrations of the instance: %d (status names %s)", len(migs), st.MigrationID)
		}
		if st.Progress == nil || st.Progress.Percent != 100 || st.Progress.Summary != "100%" || st.Progress.MemoryTotalBytes == 0 {
			t.Errorf("progress %+v", st.Progress)
		}
		ps := phases(lm)
		if ps[0] != novav1.PhasePending || ps[len(ps)-1] != novav1.PhaseSucceeded || !slices.Contains(ps, novav1.PhaseScheduling) {
			t.Errorf("phase transitions %v", ps)
		}
		if c := meta.FindStatusCondition(st.Conditions, novav1.ConditionComplete); c == nil || c.Reason != "Succeeded" {
			t.Errorf("Complete condition %+v", c)
		}
		if !meta.IsStatusConditionTrue(st.Conditions, novav1.ConditionAccepted) {
			t.Errorf("conditions %+v", st.Conditions)
		}
		if len(lm.Finalizers) != 0 {
			t.Errorf("finalizers left on a finished LiveMigration: %v", lm.Finalizers)
		}

		out := env.MustKubectl("get", "lm", "-n", kubetest.Namespace, "vm-ok")
		t.Logf("kubectl get lm:\n%s", out)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 || !regexp.MustCompile(`^NAME\s+INSTANCE\s+SOURCE\s+TARGET\s+PHASE\s+PROGRESS\s+AGE$`).MatchString(lines[0]) {
			t.Fatalf("columns:\n%s", out)
		}
		row := regexp.MustCompile(fmt.Sprintf(`^vm-ok\s+vm-ok\s+%s\s+%s\s+Succeeded\s+100%%\s+\d+s$`, src, st.TargetHost))
		if !row.MatchString(lines[1]) {
			t.Errorf("row %q does not match %s", lines[1], row)
		}

		// Events: one per phase entered, as `kubectl describe` shows them.
		got := events("Scheduling", "Running", "Succeeded")
		for reason, e := range got {
			if e.Type != "Normal" || e.Action != "LiveMigrate" || e.ReportingController != kubecontroller.EventReporter {
				t.Errorf("%s event: type %s action %s reporter %s", reason, e.Type, e.Action, e.ReportingController)
			}
		}
		if n := got["Scheduling"].Note; !strings.Contains(n, st.RequestID) || !strings.Contains(n, src) {
			t.Errorf("Scheduling note %q names neither the request %s nor the source %s", n, st.RequestID, src)
		}
		if n := got["Succeeded"].Note; !strings.Contains(n, "now runs on "+st.TargetHost) || !strings.Contains(n, st.MigrationID) {
			t.Errorf("Succeeded note %q", n)
		}
		desc := env.MustKubectl("describe", "lm", "-n", kubetest.Namespace, "vm-ok")
		if !regexp.MustCompile(`(?m)^Events:`).MatchString(desc) || !regexp.MustCompile(`Normal\s+Succeeded\s+.*now runs on `+st.TargetHost).MatchString(desc) {
			t.Errorf("kubectl describe lm shows no Succeeded event:\n%s", desc)
		}
	})

	t.Run("deleting a running one aborts it, then it is gone", func(t *testing.T) {
		inst := env.Boot("vm-del")
		src := inst.Host.Get()
		env.NonConverging(inst)
		apply(t, env, "vm-del", inst.UUID.Get(), env.OtherHost(src))
		lm := waitPhase(t, env, "vm-del", novav1.PhaseRunning)

		// Follow the object to its deletion, to see the phase it had last.
		wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: kubecontroller.Scheme()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		w, err := wc.Watch(ctx, &novav1.LiveMigrationList{}, client.InNamespace(kubetest.Namespace),
			client.MatchingFields{"metadata.name": "vm-del"})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		env.MustKubectl("delete", "-n", kubetest.Namespace, "lm", "vm-del", "--wait=false")
		env.MustKubectl("wait", "-n", kubetest.Namespace, "--for=delete", "lm/vm-del", waitTimeout)
		var last *novav1.LiveMigration
		for ev := range w.ResultChan() {
			if o, ok := ev.Object.(*novav1.LiveMigration); ok {
				last = o
			}
			if ev.Type == watch.Deleted {
				break
			}
		}
		if last == nil || last.Status.Phase != novav1.PhaseCancelled || !strings.Contains(last.Status.Reason, "deleted") ||
			!meta.IsStatusConditionTrue(last.Status.Conditions, novav1.ConditionAbortRequested) {
			t.Fatalf("last state before deletion: %+v", last)
		}
		m, err := env.Cloud.Store.Migrations.GetByUUID(context.Background(), lm.Status.MigrationID)
		if err != nil || m.Status.Get() != objects.MigrationCancelled {
			t.Fatalf("nova's migration after the delete: %v %v", m.Status.Get(), err)
		}
		if h := env.Instance(t, inst.UUID.Get()).Host.Get(); h != src {
			t.Errorf("instance on %s after the abort, want %s", h, src)
		}
	})

	t.Run("spec.abort cancels and keeps the record", func(t *testing.T) {
		inst := env.Boot("vm-abort")
		env.NonConverging(inst)
		events := watchEvents(t, env, kubetest.Namespace, "LiveMigration", "vm-abort")
		apply(t, env, "vm-abort", "vm-abort", env.OtherHost(inst.Host.Get()))
		waitPhase(t, env, "vm-abort", novav1.PhaseRunning)
		env.MustKubectl("patch", "-n", kubetest.Namespace, "lm", "vm-abort", "--type=merge", "-p", `{"spec":{"abort":true}}`)
		lm := waitPhase(t, env, "vm-abort", novav1.PhaseCancelled)
		if lm.Status.Reason != "aborted (spec.abort)" || len(lm.Finalizers) != 0 {
			t.Errorf("status %+v finalizers %v", lm.Status, lm.Finalizers)
		}
		got := events("AbortRequested", "Cancelled")
		if e := got["AbortRequested"]; e.Type != "Normal" || e.Action != "Abort" || !strings.Contains(e.Note, "abort sent") {
			t.Errorf("AbortRequested event %s %s %q", e.Type, e.Action, e.Note)
		}
		if e := got["Cancelled"]; e.Note != "aborted (spec.abort)" {
			t.Errorf("Cancelled event note %q", e.Note)
		}
	})

	t.Run("spec.forceComplete completes a non-converging one", func(t *testing.T) {
		inst := env.Boot("vm-force")
		src := inst.Host.Get()
		env.NonConverging(inst)
		apply(t, env, "vm-force", "vm-force", env.OtherHost(src))
		waitPhase(t, env, "vm-force", novav1.PhaseRunning)
		env.MustKubectl("patch", "-n", kubetest.Namespace, "lm", "vm-force", "--type=merge", "-p", `{"spec":{"forceComplete":true}}`)
		lm := waitPhase(t, env, "vm-force", novav1.PhaseSucceeded)
		if !meta.IsStatusConditionTrue(lm.Status.Conditions, novav1.ConditionForceCompleteRequested) {
			t.Errorf("conditions %+v", lm.Status.Conditions)
		}
		if h := env.Instance(t, inst.UUID.Get()).Host.Get(); h != env.OtherHost(src) {
			t.Errorf("instance on %s, want %s", h, env.OtherHost(src))
		}
	})

	t.Run("unknown instance fails with a reason", func(t *testing.T) {
		events := watchEvents(t, env, kubetest.Namespace, "LiveMigration", "ghost")
		apply(t, env, "ghost", "no-such-vm", "")
		lm := waitPhase(t, env, "ghost", novav1.PhaseFailed)
		if want := `instance "no-such-vm" not found`; !strings.Contains(lm.Status.Reason, want) || lm.Status.RequestID != "" {
			t.Errorf("reason %q (want %q), request %q", lm.Status.Reason, want, lm.Status.RequestID)
		}
		out := env.MustKubectl("get", "lm", "-n", kubetest.Namespace, "ghost", "-o", "jsonpath={.status.reason}")
		if !strings.Contains(out, "not found") {
			t.Errorf("kubectl shows reason %q", out)
		}
		if e := events("Failed")["Failed"]; e.Type != "Warning" || e.Note != lm.Status.Reason {
			t.Errorf("Failed event: %s %q, want a Warning with the reason %q", e.Type, e.Note, lm.Status.Reason)
		}
	})

	t.Run("target host unknown, disabled or down fails with a reason", func(t *testing.T) {
		inst := env.Boot("vm-bad-target")
		apply(t, env, "to-nowhere", "vm-bad-target", "compute-99")
		if r := waitPhase(t, env, "to-nowhere", novav1.PhaseFailed).Status.Reason; !strings.Contains(r, "compute-99 could not be found") {
			t.Errorf("unknown host: reason %q", r)
		}
		down := env.OtherHost(inst.Host.Get())
		ctx := context.Background()
		if _, err := env.Cloud.Store.Services.Update(ctx, down, compute.Binary, func(sv *objects.Service) error {
			sv.ForcedDown.Set(true)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = env.Cloud.Store.Services.Update(ctx, down, compute.Binary, func(sv *objects.Service) error {
				sv.ForcedDown.Set(false)
				return nil
			})
		})
		apply(t, env, "to-down", "vm-bad-target", down)
		r := waitPhase(t, env, "to-down", novav1.PhaseFailed).Status.Reason
		if want := "target host is down: Compute service of " + down + " is unavailable"; !strings.Contains(r, want) {
			t.Errorf("down host: reason %q, want it to contain %q", r, want)
		}
		if migs := migrationsOf(t, env, inst.UUID.Get()); len(migs) != 0 {
			t.Errorf("%d migrations started to bad targets", len(migs))
		}
	})

	t.Run("invalid specs are refused by the schema", func(t *testing.T) {
		for name, spec := range map[string]string{
			"empty instance":   `instance: ""`,
			"bad target host":  "instance: vm-x\n  targetHost: \"not a host!\"",
			"missing instance": "targetHost: compute-1",
		} {
			y := "apiVersion: novanats.io/v1alpha1\nkind: LiveMigration\nmetadata:\n  name: bad\n  namespace: default\nspec:\n  " + spec + "\n"
			if out, err := env.KubectlStdin([]byte(y), "apply", "-f", "-"); err == nil {
				t.Errorf("%s accepted: %s", name, out)
			} else {
				t.Logf("%s refused: %v", name, err)
			}
		}
		apply(t, env, "no-undo", "no-such-vm-2", "", "forceComplete: true")
		_, err := env.Kubectl("patch", "-n", kubetest.Namespace, "lm", "no-undo", "--type=merge", "-p", `{"spec":{"forceComplete":false}}`)
		if err == nil || !strings.Contains(err.Error(), "forceComplete cannot be set back to false") {
			t.Errorf("forceComplete true->false: %v", err)
		}
		_, err = env.Kubectl("patch", "-n", kubetest.Namespace, "lm", "no-undo", "--type=merge", "-p", `{"spec":{"instance":"other"}}`)
		if err == nil || !strings.Contains(err.Error(), "instance is immutable") {
			t.Errorf("instance changed: %v", err)
		}
	})
}

// A controller that dies right after the conductor took its request, before
// the LiveMigration's status names the Migration, is replaced by a new one
// (a new manager, a new leader); the migration completes, and nova has
// exactly one Migration for the instance. Then a controller restarted
// while a migration runs picks it up where it was.
func TestControllerRestartStartsNoSecondMigration(t *testing.T) {
	var env *kubetest.Env
	var crashedAfter, crashedBefore atomic.Int32
	diedAfter, diedBefore := make(chan struct{}), make(chan struct{})
	// kill stops the controller at a hook, once, for the LiveMigration
	// name: the controller stops, and the reconcile ends only then, so
	// that this controller retries nothing and the next one has to sort
	// it out.
	kill := func(name string, once *atomic.Int32, died chan struct{}) func(context.Context, *novav1.LiveMigration) bool {
		return func(ctx context.Context, lm *novav1.LiveMigration) bool {
			if lm.Name != name || !once.CompareAndSwap(0, 1) {
				return false
			}
			env.KillController()
			<-ctx.Done()
			close(died)
			return true
		}
	}
	env = kubetest.Start(t, kubetest.Options{Computes: 2, Controller: func(o *kubecontroller.Options) {
		o.Hooks.AfterMigrateServer = kill("vm-crash", &crashedAfter, diedAfter)
		o.Hooks.BeforeMigrateServer = kill("vm-unsent", &crashedBefore, diedBefore)
	}})

	t.Run("killed between storing the request id and migrate_server", func(t *testing.T) {
		inst := env.Boot("vm-unsent")
		apply(t, env, "vm-unsent", "vm-unsent", "")
		<-diedBefore
		if migs := migrationsOf(t, env, inst.UUID.Get()); len(migs) != 0 {
			t.Fatalf("a migration was started before migrate_server: %d", len(migs))
		}
		requestID := get(t, env, "vm-unsent").Status.RequestID
		env.RestartController()
		lm := waitPhase(t, env, "vm-unsent", novav1.PhaseSucceeded)
		if migs := migrationsOf(t, env, inst.UUID.Get()); len(migs) != 1 || lm.Status.RequestID != requestID || requestID == "" {
			t.Fatalf("%d migrations; request %q then %q", len(migs), requestID, lm.Status.RequestID)
		}
	})

	t.Run("killed between migrate_server and the status write", func(t *testing.T) {
		inst := env.Boot("vm-crash")
		apply(t, env, "vm-crash", "vm-crash", "")
		<-diedAfter
		env.RestartController()
		lm := waitPhase(t, env, "vm-crash", novav1.PhaseSucceeded)
		migs := migrationsOf(t, env, inst.UUID.Get())
		if len(migs) != 1 || migs[0].UUID.Get() != lm.Status.MigrationID {
			t.Fatalf("%d migrations for the instance (status names %s)", len(migs), lm.Status.MigrationID)
		}
		acts, err := env.Cloud.Store.Actions.ListByInstance(context.Background(), inst.UUID.Get())
		if err != nil {
			t.Fatal(err)
		}
		var lmActs int
		for _, a := range acts {
			if a.Action.Get() == objects.ActionLiveMigration {
				lmActs++
				if a.RequestID.Get() != lm.Status.RequestID {
					t.Errorf("live-migration action under %s, status has %s", a.RequestID.Get(), lm.Status.RequestID)
				}
			}
		}
		if lmActs != 1 {
			t.Errorf("%d live-migration requests reached the conductor, want 1", lmActs)
		}
	})

	t.Run("restarted while running", func(t *testing.T) {
		inst := env.Boot("vm-running")
		env.NonConverging(inst)
		apply(t, env, "vm-running", "vm-running", env.OtherHost(inst.Host.Get()))
		before := waitPhase(t, env, "vm-running", novav1.PhaseRunning)
		env.RestartController()
		env.MustKubectl("patch", "-n", kubetest.Namespace, "lm", "vm-running", "--type=merge", "-p", `{"spec":{"forceComplete":true}}`)
		lm := waitPhase(t, env, "vm-running", novav1.PhaseSucceeded)
		if migs := migrationsOf(t, env, inst.UUID.Get()); len(migs) != 1 || lm.Status.MigrationID != before.Status.MigrationID ||
			lm.Status.RequestID != before.Status.RequestID {
			t.Fatalf("%d migrations; migration %s -> %s, request %s -> %s", len(migs),
				before.Status.MigrationID, lm.Status.MigrationID, before.Status.RequestID, lm.Status.RequestID)
		}
	})
}

func TestComputeHosts(t *testing.T) {
	env := kubetest.Start(t, kubetest.Options{Computes: 2})
	inst := env.Boot("vm-1")
	host := inst.Host.Get()
	// The instance count follows the boot through the instances watch.
	env.MustKubectl("wait", "--for=create", "computehost/"+host, waitTimeout)
	env.MustKubectl("wait", "--for=jsonpath={.status.instances}=1", "computehost/"+host, waitTimeout)
	ch := new(novav1.ComputeHost)
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: host}, ch); err != nil {
		t.Fatal(err)
	}
	st := ch.Status
	if !st.Up || st.VCPUs == nil || st.VCPUs.Used != 1 || st.MemoryMB == nil || st.MemoryMB.Total == 0 || st.LastHeartbeat == nil ||
		len(st.InstanceRefs) != 1 || st.InstanceRefs[0].UUID != inst.UUID.Get() || st.InstanceRefs[0].Name != "vm-1" {
		t.Errorf("status %+v", st)
	}

	out := env.MustKubectl("get", "computehosts")
	t.Logf("kubectl get computehosts:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !regexp.MustCompile(`^NAME\s+UP\s+DISABLED\s+VCPUS\s+MEMORY\s+INSTANCES\s+AGE$`).MatchString(lines[0]) {
		t.Fatalf("columns:\n%s", out)
	}
	row := regexp.MustCompile(fmt.Sprintf(`(?m)^%s\s+true\s+false\s+1/\d+\s+\d+/\d+ MiB\s+1\s+\d+s$`, host))
	if !row.MatchString(out) {
		t.Errorf("no row for %s matching %s", host, row)
	}

	// spec.disabled disables the service in nova, as `novanats host
	// disable` does; status.disabled then says nova has it.
	events := watchEvents(t, env, "default", "ComputeHost", host)
	env.MustKubectl("patch", "computehost", host, "--type=merge", "-p", `{"spec":{"disabled":true,"disabledReason":"maintenance"}}`)
	env.MustKubectl("wait", "--for=jsonpath={.status.disabled}=true", "computehost/"+host, waitTimeout)
	sv, err := env.Cloud.Store.Services.Get(context.Background(), host, compute.Binary)
	if err != nil || !sv.Disabled.Get() || sv.DisabledReason.Get() != "maintenance" {
		t.Fatalf("nova's service after spec.disabled: disabled %v reason %q (%v)", sv.Disabled.Get(), sv.DisabledReason.Get(), err)
	}
	env.MustKubectl("patch", "computehost", host, "--type=merge", "-p", `{"spec":{"disabled":false,"disabledReason":""}}`)
	env.MustKubectl("wait", "--for=jsonpath={.status.disabled}=false", "computehost/"+host, waitTimeout)
	if sv, err = env.Cloud.Store.Services.Get(context.Background(), host, compute.Binary); err != nil || sv.Disabled.Get() {
		t.Fatalf("nova's service after enabling: disabled %v (%v)", sv.Disabled.Get(), err)
	}

	// A host that stops reporting turns down by the clock alone: the
	// requeue derived from service_down_time notices without any record
	// changing. Forced down is nova's immediate form of it.
	if _, err := env.Cloud.Store.Services.Update(context.Background(), host, compute.Binary, func(sv *objects.Service) error {
		sv.ForcedDown.Set(true)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	env.MustKubectl("wait", "--for=jsonpath={.status.up}=false", "computehost/"+host, waitTimeout)
	env.MustKubectl("wait", "--for=condition=Up=false", "computehost/"+host, waitTimeout)

	// Each change is an Event on the ComputeHost.
	got := events("Disabled", "Enabled", "Down")
	if e := got["Disabled"]; e.Type != "Normal" || !strings.Contains(e.Note, `"maintenance"`) || e.ReportingController != kubecontroller.HostEventReporter {
		t.Errorf("Disabled event: %s %q by %s", e.Type, e.Note, e.ReportingController)
	}
	if e := got["Down"]; e.Type != "Warning" || !strings.Contains(e.Note, "forced down") {
		t.Errorf("Down event: %s %q", e.Type, e.Note)
	}
	if _, ok := got["Up"]; ok {
		t.Error("an Up event for a host that never went down")
	}
	desc := env.MustKubectl("describe", "computehost", host)
	if !regexp.MustCompile(`Warning\s+Down\s+.*forced down`).MatchString(desc) {
		t.Errorf("kubectl describe computehost shows no Down event:\n%s", desc)
	}
	if _, err := env.Cloud.Store.Services.Update(context.Background(), host, compute.Binary, func(sv *objects.Service) error {
		sv.ForcedDown.Set(false)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if e := events("Up")["Up"]; e.Type != "Normal" || e.Action != "CheckLiveness" {
		t.Errorf("Up event: %s %s %q", e.Type, e.Action, e.Note)
	}
}

// A compute that stops reporting changes no record, yet its ComputeHost
// turns down once its last report is older than service_down_time: the
// reconcile's requeue, derived from service_down_time, notices it by the
// clock. (Reports every second and a 3 s down time here, so the test
// does not wait nova's 60 s.)
func TestComputeHostDownByClock(t *testing.T) {
	sg := servicegroup.Config{ReportInterval: time.Second, ServiceDownTime: 3 * time.Second}
	env := kubetest.Start(t, kubetest.Options{Computes: 2,
		ComputeConfig: func(c *compute.Config) { c.ReportInterval = sg.ReportInterval },
		Controller:    func(o *kubecontroller.Options) { o.ServiceGroup = sg },
	})
	host := env.Cloud.Hosts[1]
	env.MustKubectl("wait", "--for=create", "computehost/"+host, waitTimeout)
	env.MustKubectl("wait", "--for=jsonpath={.status.up}=true", "computehost/"+host, waitTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := env.Cloud.Computes[host].Stop(ctx); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	env.MustKubectl("wait", "--for=jsonpath={.status.up}=false", "computehost/"+host, waitTimeout)
	// Down no sooner than the service group says, and not much later.
	if d := time.Since(stopped); d > 3*sg.ServiceDownTime+5*time.Second {
		t.Errorf("down after %s, service_down_time %s", d, sg.ServiceDownTime)
	}
	ch := new(novav1.ComputeHost)
	if err := env.Client.Get(ctx, client.ObjectKey{Name: host}, ch); err != nil {
		t.Fatal(err)
	}
	if c := meta.FindStatusCondition(ch.Status.Conditions, kubecontroller.ConditionUp); c == nil || c.Reason != "NotReporting" ||
		ch.Status.LastHeartbeat == nil || ch.Status.LastHeartbeat.Time.After(stopped) {
		t.Errorf("status %+v", ch.Status)
	}
	if up := env.MustKubectl("get", "computehost", env.Cloud.Hosts[0], "-o", "jsonpath={.status.up}"); up != "true" {
		t.Errorf("the other host: up %q", up)
	}
}
