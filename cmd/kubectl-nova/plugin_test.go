package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
)

// TestUsage: bad arguments and flags are exit 2, before any API call (the
// kubeconfig does not exist).
func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"migrate"},
		{"migrate", "a", "b"},
		{"migrate", "vm", "--bogus"},
		{"migrate", "vm", "--timeout", "-1s"},
		{"hosts", "-o", "bogus"},
		{"drain", "h", "--max-concurrent", "-1"},
		{"drain", "h", "--to", "h"},
		{"abort"},
		{"force-complete", "a", "b"},
		{"uncordon"},
	} {
		r := run(t, "/nonexistent/kubeconfig", args...)
		if r.code != exitUsage {
			t.Errorf("kubectl nova %s: exit %d, want %d (%v)", strings.Join(args, " "), r.code, exitUsage, r.err)
		}
	}
	if r := run(t, "/nonexistent/kubeconfig", "hosts"); r.code != exitUsage || !strings.Contains(r.err.Error(), "nonexistent") {
		t.Errorf("missing kubeconfig: exit %d (%v), want %d naming the file", r.code, r.err, exitUsage)
	}
}

// TestUnreachable: an API server that cannot be reached is exit 3.
func TestUnreachable(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, kc, "--server", "https://127.0.0.1:1", "hosts")
	if r.code != exitUnavailable {
		t.Fatalf("exit %d (%v), want %d", r.code, r.err, exitUnavailable)
	}
}

// TestNotFound: a host, LiveMigration or instance that does not exist is
// exit 4, with a message naming it.
func TestNotFound(t *testing.T) {
	ns := needAPI(t)
	for _, args := range [][]string{
		{"hosts", "no-such-host"},
		{"uncordon", "no-such-host"},
		{"cordon", "no-such-host"},
		{"drain", "no-such-host"},
		{"migrate", "vm-1", "--to", "no-such-host"},
		{"abort", "no-such-lm"},
		{"force-complete", "no-such-lm"},
	} {
		r := run(t, apiKubeconfig, append(args, "-n", ns)...)
		if r.code != exitNotFound || !strings.Contains(r.err.Error(), args[len(args)-1]) {
			t.Errorf("kubectl nova %s: exit %d (%v), want %d naming %s", strings.Join(args, " "), r.code, r.err, exitNotFound, args[len(args)-1])
		}
	}
}

// TestMigrateCreates: migrate creates a LiveMigration named after the
// instance, labelled with it when the name is a valid label value, with
// the target; a second one for the same instance is refused (exit 5).
func TestMigrateCreates(t *testing.T) {
	ns := needAPI(t)
	ctx := context.Background()
	createHost(t, "mc-target", novav1.ComputeHostStatus{Up: true})

	r := run(t, apiKubeconfig, "-n", ns, "migrate", "vm-2", "--to", "mc-target", "-o", "name")
	if r.code != exitOK {
		t.Fatalf("exit %d: %v", r.code, r.err)
	}
	name, ok := strings.CutPrefix(strings.TrimSpace(r.stdout), "livemigration.novanats.io/")
	if !ok || !strings.HasPrefix(name, "vm-2-") {
		t.Fatalf("-o name printed %q, want livemigration.novanats.io/vm-2-xxxxx", r.stdout)
	}
	var lm novav1.LiveMigration
	if err := apiClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &lm); err != nil {
		t.Fatal(err)
	}
	if lm.Spec.Instance != "vm-2" || lm.Spec.TargetHost != "mc-target" || lm.Labels[labelInstance] != "vm-2" || lm.Spec.Abort || lm.Spec.ForceComplete {
		t.Errorf("created %+v, labels %v", lm.Spec, lm.Labels)
	}

	r = run(t, apiKubeconfig, "-n", ns, "migrate", "vm-2")
	if r.code != exitConflict || !strings.Contains(r.err.Error(), name) {
		t.Errorf("second migrate of vm-2: exit %d (%v), want %d naming %s", r.code, r.err, exitConflict, name)
	}

	// A name that is no label value: no label, a DNS-safe object name.
	if r := run(t, apiKubeconfig, "-n", ns, "migrate", "My VM_1"); r.code != exitOK {
		t.Fatalf("exit %d: %v", r.code, r.err)
	}
	var list novav1.LiveMigrationList
	if err := apiClient.List(ctx, &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, lm := range list.Items {
		if lm.Spec.Instance == "My VM_1" {
			found = true
			if !strings.HasPrefix(lm.Name, "my-vm-1-") || lm.Labels[labelInstance] != "" {
				t.Errorf("LiveMigration of %q: name %s, labels %v", lm.Spec.Instance, lm.Name, lm.Labels)
			}
		}
	}
	if !found {
		t.Errorf("no LiveMigration of %q in %d", "My VM_1", len(list.Items))
	}
}

// TestSteer: force-complete and abort set their spec flag, on the
// LiveMigration named or on the unfinished one of the instance named, and
// refuse (exit 5) once it has finished.
func TestSteer(t *testing.T) {
	ns := needAPI(t)
	ctx := context.Background()
	lm := migrateNoWait(t, ns, "vm-s")

	if r := run(t, apiKubeconfig, "-n", ns, "force-complete", "vm-s"); r.code != exitOK || !strings.Contains(r.stdout, lm.Name+": force-complete requested") {
		t.Fatalf("force-complete by instance: exit %d (%v) %q", r.code, r.err, r.stdout)
	}
	if r := run(t, apiKubeconfig, "-n", ns, "force-complete", lm.Name); r.code != exitOK || !strings.Contains(r.stdout, "already requested") {
		t.Fatalf("force-complete again: exit %d (%v) %q", r.code, r.err, r.stdout)
	}
	if r := run(t, apiKubeconfig, "-n", ns, "abort", lm.Name); r.code != exitOK {
		t.Fatalf("abort by name: exit %d (%v)", r.code, r.err)
	}
	if err := apiClient.Get(ctx, client.ObjectKeyFromObject(lm), lm); err != nil {
		t.Fatal(err)
	}
	if !lm.Spec.ForceComplete || !lm.Spec.Abort {
		t.Fatalf("spec after force-complete and abort: %+v", lm.Spec)
	}

	// What the controller writes once nova cancelled it.
	setStatus(t, lm, novav1.LiveMigrationStatus{Phase: novav1.PhaseCancelled, Reason: "aborted by the user"})
	for _, args := range [][]string{{"abort", lm.Name}, {"abort", "vm-s"}, {"force-complete", "vm-s"}} {
		r := run(t, apiKubeconfig, append([]string{"-n", ns}, args...)...)
		if r.code != exitConflict || !strings.Contains(r.err.Error(), "Cancelled") {
			t.Errorf("kubectl nova %s on a Cancelled migration: exit %d (%v), want %d", strings.Join(args, " "), r.code, r.err, exitConflict)
		}
	}
}

// TestMigrateWait follows a LiveMigration through its phases with a watch:
// plain lines when not on a terminal, a progress bar on one, and the exit
// code of the final phase. The test writes the status the controller would
// (the controller itself is exercised in e2e_test.go), each step only once
// the plugin has shown the previous one.
func TestMigrateWait(t *testing.T) {
	ns := needAPI(t)
	for _, tc := range []struct {
		name  string
		tty   bool
		final novav1.LiveMigrationPhase
		code  int
		want  []string
	}{
		{"plain", false, novav1.PhaseSucceeded, exitOK, []string{": Running (c-1 -> c-2)", "50% 512.0 MiB of 1.0 GiB remaining, 512.0 MiB sent", ": Succeeded (c-1 -> c-2) in 7s"}},
		{"tty", true, novav1.PhaseSucceeded, exitOK, []string{"50% |", "512.0 MiB of 1.0 GiB remaining", "100% |", "1.0 GiB copied, 512.0 MiB sent", ": Succeeded (c-1 -> c-2) in 7s"}},
		{"failed", false, novav1.PhaseFailed, exitError, []string{": Failed (c-1 -> c-2): destination c-2 is down"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			instance := "vm-w-" + tc.name
			out := newLineWaiter()
			done := make(chan result, 1)
			go func() { done <- runWith(t, ctx, &tc.tty, out, apiKubeconfig, "-n", ns, "migrate", instance, "--wait") }()
			out.await(t, ctx, ": Pending")
			lm := onlyMigration(t, ns, instance)

			start := lm.CreationTimestamp.Time
			st := novav1.LiveMigrationStatus{Phase: novav1.PhaseRunning, SourceHost: "c-1", TargetHost: "c-2", MigrationID: "m-1",
				Progress: &novav1.MigrationProgress{MemoryTotalBytes: 1 << 30, MemoryProcessedBytes: 1 << 29, MemoryRemainingBytes: 1 << 29, Percent: 50, Summary: "50%"}}
			setStatus(t, lm, st)
			out.await(t, ctx, "of 1.0 GiB remaining")
			st.Phase = tc.final
			st.PhaseTransitions = []novav1.PhaseTransition{{Phase: tc.final, Time: metav1.NewTime(start.Add(7 * time.Second))}}
			if tc.final == novav1.PhaseFailed {
				st.Reason = "destination c-2 is down"
			}
			setStatus(t, lm, st)

			r := <-done
			if r.code != tc.code {
				t.Fatalf("exit %d (%v), want %d", r.code, r.err, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, r.stdout)
				}
			}
			if tc.code != exitOK && !strings.Contains(r.err.Error(), st.Reason) {
				t.Errorf("error %v lacks the reason %q", r.err, st.Reason)
			}
		})
	}
}

// TestMigrateWaitTimeout: --timeout stops following, says the migration
// goes on, and leaves it alone.
func TestMigrateWaitTimeout(t *testing.T) {
	ns := needAPI(t)
	r := run(t, apiKubeconfig, "-n", ns, "migrate", "vm-t", "--wait", "--timeout", "1s")
	if r.code != exitError || !strings.Contains(r.err.Error(), "timed out after 1s") || !strings.Contains(r.err.Error(), "kubectl nova abort") {
		t.Fatalf("exit %d (%v)", r.code, r.err)
	}
	if lm := onlyMigration(t, ns, "vm-t"); lm.Spec.Abort || lm.DeletionTimestamp != nil {
		t.Errorf("the timeout touched the migration: %+v", lm)
	}
}

// TestHosts: the table's columns from ComputeHost status, and -o json as
// kubectl prints a list.
func TestHosts(t *testing.T) {
	needAPI(t)
	createHost(t, "hosts-a", novav1.ComputeHostStatus{Up: true, VCPUsSummary: "2/8", MemorySummary: "1024/8192Mi", Instances: 1, MigrationsInProgress: 1})
	createHost(t, "hosts-b", novav1.ComputeHostStatus{Disabled: true, DisabledReason: "bios update", VCPUs: &novav1.ResourceUsage{Used: 0, Total: 4}})

	r := run(t, apiKubeconfig, "hosts", "hosts-a", "hosts-b")
	if r.code != exitOK {
		t.Fatalf("exit %d (%v)", r.code, r.err)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	want := [][]string{
		{"NAME", "UP", "DISABLED", "REASON", "VCPUS", "MEMORY", "INSTANCES", "MIGRATIONS"},
		{"hosts-a", "true", "false", "-", "2/8", "1024/8192Mi", "1", "1"},
		{"hosts-b", "false", "true", "bios", "update", "0/4", "-", "0", "0"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), r.stdout)
	}
	for i, l := range lines {
		if got := strings.Fields(l); strings.Join(got, " ") != strings.Join(want[i], " ") {
			t.Errorf("line %d: %q, want %q", i, got, want[i])
		}
	}

	r = run(t, apiKubeconfig, "hosts", "hosts-a", "hosts-b", "-o", "json")
	var list novav1.ComputeHostList
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || r.code != exitOK {
		t.Fatalf("-o json: exit %d, %v:\n%s", r.code, err, r.stdout)
	}
	if list.Kind != "ComputeHostList" || len(list.Items) != 2 || list.Items[1].Status.DisabledReason != "bios update" || list.Items[0].APIVersion != "novanats.io/v1alpha1" || list.Items[0].Kind != "ComputeHost" {
		t.Errorf("-o json: %+v", list)
	}
}

// TestCordon: cordon and uncordon set the spec, and wait (through a watch)
// until the controller's status says it is applied, failing after
// --timeout when it never does.
func TestCordon(t *testing.T) {
	needAPI(t)
	ctx := context.Background()
	h := createHost(t, "cordon-a", novav1.ComputeHostStatus{Up: true})

	r := run(t, apiKubeconfig, "cordon", h.Name, "--reason", "new disks", "--timeout", "1s")
	if r.code != exitError || !strings.Contains(r.err.Error(), "did not apply disabled=true within 1s") {
		t.Fatalf("cordon without a controller: exit %d (%v)", r.code, r.err)
	}
	if err := apiClient.Get(ctx, client.ObjectKeyFromObject(h), h); err != nil {
		t.Fatal(err)
	}
	if !h.Spec.Disabled || h.Spec.DisabledReason != "new disks" {
		t.Fatalf("spec after cordon: %+v", h.Spec)
	}
	// What the controller writes once nova has the service disabled.
	h.Status.Disabled, h.Status.DisabledReason, h.Status.ObservedGeneration = true, "new disks", h.Generation
	if err := apiClient.Status().Update(ctx, h); err != nil {
		t.Fatal(err)
	}
	if r := run(t, apiKubeconfig, "cordon", h.Name, "--reason", "new disks"); r.code != exitOK || !strings.Contains(r.stdout, "computehost/cordon-a disabled (new disks)") {
		t.Fatalf("cordon, applied: exit %d (%v) %q", r.code, r.err, r.stdout)
	}

	if r := run(t, apiKubeconfig, "uncordon", h.Name, "--wait=false"); r.code != exitOK || !strings.Contains(r.stdout, "once the controller applies it") {
		t.Fatalf("uncordon: exit %d (%v) %q", r.code, r.err, r.stdout)
	}
	if err := apiClient.Get(ctx, client.ObjectKeyFromObject(h), h); err != nil {
		t.Fatal(err)
	}
	if h.Spec.Disabled || h.Spec.DisabledReason != "" {
		t.Fatalf("spec after uncordon: %+v", h.Spec)
	}
}

// migrateNoWait creates a LiveMigration of instance with the plugin and
// returns it.
func migrateNoWait(t *testing.T, ns, instance string) *novav1.LiveMigration {
	t.Helper()
	if r := run(t, apiKubeconfig, "-n", ns, "migrate", instance); r.code != exitOK {
		t.Fatalf("migrate %s: exit %d (%v)", instance, r.code, r.err)
	}
	return onlyMigration(t, ns, instance)
}

// onlyMigration is the one LiveMigration of instance in ns.
func onlyMigration(t *testing.T, ns, instance string) *novav1.LiveMigration {
	t.Helper()
	var list novav1.LiveMigrationList
	if err := apiClient.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{labelInstance: instance}); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Fatalf("%d LiveMigrations of %s, want 1", len(list.Items), instance)
	}
	return &list.Items[0]
}

// setStatus writes a LiveMigration's status, as the controller does.
func setStatus(t *testing.T, lm *novav1.LiveMigration, st novav1.LiveMigrationStatus) {
	t.Helper()
	lm.Status = st
	if err := apiClient.Status().Update(context.Background(), lm); err != nil {
		t.Fatal(err)
	}
}

// createHost creates a ComputeHost with a status, as the controller does,
// and deletes it at the end of the test (they are cluster-scoped).
func createHost(t *testing.T, name string, st novav1.ComputeHostStatus) *novav1.ComputeHost {
	t.Helper()
	ctx := context.Background()
	h := &novav1.ComputeHost{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := apiClient.Create(ctx, h); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = apiClient.Delete(context.Background(), h) })
	h.Status = st
	if err := apiClient.Status().Update(ctx, h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestPercent: the controller's percent when it gave one; otherwise the
// memory no longer remaining, which stays within 0-100 even when the bytes
// sent exceed the total (a guest dirtying memory faster than it is sent).
func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		p    novav1.MigrationProgress
		want int32
	}{
		{novav1.MigrationProgress{MemoryTotalBytes: 100, MemoryRemainingBytes: 100, MemoryProcessedBytes: 1800}, 0},
		{novav1.MigrationProgress{MemoryTotalBytes: 100, MemoryRemainingBytes: 25, MemoryProcessedBytes: 300}, 75},
		{novav1.MigrationProgress{MemoryTotalBytes: 100, MemoryRemainingBytes: 0, MemoryProcessedBytes: 300}, 100},
		{novav1.MigrationProgress{MemoryTotalBytes: 100, MemoryRemainingBytes: 90, Percent: 42, Summary: "42%"}, 42},
		{novav1.MigrationProgress{}, 0},
	} {
		if got := percent(&tc.p); got != tc.want {
			t.Errorf("percent(%+v) = %d, want %d", tc.p, got, tc.want)
		}
	}
}

// TestExitCodeMapping: the API server's answers and transport failures
// map onto the CLI's exit codes (the cases a test cluster cannot easily
// produce: no CRDs, overload, a refused connection).
func TestExitCodeMapping(t *testing.T) {
	gr := schema.GroupResource{Group: "novanats.io", Resource: "livemigrations"}
	noKind := &meta.NoKindMatchError{GroupKind: schema.GroupKind{Group: "novanats.io", Kind: "LiveMigration"}, SearchedVersions: []string{"v1alpha1"}}
	for _, tc := range []struct {
		err  error
		want int
	}{
		{noKind, exitUnavailable},
		{apierrors.NewNotFound(gr, "x"), exitNotFound},
		{apierrors.NewAlreadyExists(gr, "x"), exitConflict},
		{apierrors.NewConflict(gr, "x", errors.New("changed")), exitConflict},
		{apierrors.NewInvalid(schema.GroupKind{Group: "novanats.io", Kind: "LiveMigration"}, "x", nil), exitUsage},
		{apierrors.NewServiceUnavailable("down"), exitUnavailable},
		{apierrors.NewTooManyRequests("slow down", 1), exitUnavailable},
		{&url.Error{Op: "Get", URL: "https://x", Err: syscall.ECONNREFUSED}, exitUnavailable},
		{apierrors.NewForbidden(gr, "x", errors.New("rbac")), exitError},
		{withCode(exitConflict, apierrors.NewNotFound(gr, "x")), exitConflict},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	if msg := explain(noKind).Error(); !strings.Contains(msg, "not installed") || !strings.Contains(msg, "k8s/base/crds") {
		t.Errorf("explain(no kind): %s", msg)
	}
}

// TestDrainEdges: the paths of drain that need no migration, against a
// host whose status the test writes as the controller would: an empty host
// is drained at once and keeps the reason it was disabled with; a host
// whose status counts instances without listing them (a controller older
// than status.instanceRefs) is an error, not a drain that does nothing.
func TestDrainEdges(t *testing.T) {
	ns := needAPI(t)
	ctx := context.Background()

	empty := createHost(t, "drain-empty", novav1.ComputeHostStatus{Up: true, Disabled: true, DisabledReason: "rack move"})
	empty.Spec = novav1.ComputeHostSpec{Disabled: true, DisabledReason: "rack move"}
	if err := apiClient.Update(ctx, empty); err != nil {
		t.Fatal(err)
	}
	r := run(t, apiKubeconfig, "-n", ns, "drain", empty.Name, "--timeout", "30s")
	if r.code != exitOK || !strings.Contains(r.stdout, "computehost/drain-empty disabled (rack move)") ||
		!strings.Contains(r.stdout, "has no instances") || !strings.Contains(r.stdout, "computehost/drain-empty drained") {
		t.Fatalf("drain of an empty host: exit %d (%v)\n%s", r.code, r.err, r.stdout)
	}
	if err := apiClient.Get(ctx, client.ObjectKeyFromObject(empty), empty); err != nil {
		t.Fatal(err)
	}
	if !empty.Spec.Disabled || empty.Spec.DisabledReason != "rack move" {
		t.Errorf("spec after drain: %+v", empty.Spec)
	}

	unlisted := createHost(t, "drain-unlisted", novav1.ComputeHostStatus{Up: true, Disabled: true, Instances: 2})
	r = run(t, apiKubeconfig, "-n", ns, "drain", unlisted.Name, "--timeout", "30s")
	if r.code != exitError || !strings.Contains(r.err.Error(), "counts 2 instances but does not list them") {
		t.Fatalf("drain of a host without instanceRefs: exit %d (%v)", r.code, r.err)
	}
	var lms novav1.LiveMigrationList
	if err := apiClient.List(ctx, &lms, client.InNamespace(ns)); err != nil || len(lms.Items) != 0 {
		t.Errorf("%d LiveMigrations created (%v), want none", len(lms.Items), err)
	}
}
