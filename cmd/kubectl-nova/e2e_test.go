package main

// End to end: a real etcd + kube-apiserver, a novanats cloud (embedded
// NATS, conductor, scheduler, three simulated computes) and the
// conductor's Kubernetes controller (internal/kubetest), driven with
// kubectl nova; nova's own records (the cloud's store) say whether it
// happened.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
	"github.com/novanats/novanats/internal/kubetest"
	"github.com/novanats/novanats/pkg/objects"
)

const e2eTimeout = "--timeout=120s"

// TestE2E runs the plugin's commands one after the other on one cloud (an
// environment takes seconds to start): hosts, migrate --wait, drain and
// uncordon, abort, force-complete.
func TestE2E(t *testing.T) {
	env := kubetest.Start(t)
	ctx := context.Background()
	ns := kubetest.Namespace
	vms := map[string]*objects.Instance{}
	for _, name := range []string{"vm-1", "vm-2", "vm-3", "vm-4"} {
		vms[name] = env.Boot(name)
	}
	// The controller mirrors every host and its instances (a watch).
	for _, h := range env.Cloud.Hosts {
		env.MustKubectl("wait", "--for=create", "computehost/"+h, e2eTimeout)
		env.MustKubectl("wait", fmt.Sprintf("--for=jsonpath={.status.instances}=%d", len(hostOf(t, env, h))), "computehost/"+h, e2eTimeout)
	}

	t.Run("hosts", func(t *testing.T) {
		r := run(t, env.Kubeconfig, "hosts")
		if r.code != exitOK {
			t.Fatalf("exit %d (%v)", r.code, r.err)
		}
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) != 1+len(env.Cloud.Hosts) || !regexp.MustCompile(`^NAME\s+UP\s+DISABLED\s+REASON\s+VCPUS\s+MEMORY\s+INSTANCES\s+MIGRATIONS$`).MatchString(lines[0]) {
			t.Fatalf("table:\n%s", r.stdout)
		}
		for _, h := range env.Cloud.Hosts {
			row := regexp.MustCompile(fmt.Sprintf(`(?m)^%s\s+true\s+false\s+-\s+\d+/\d+\s+\d+/\d+ MiB\s+%d\s+0$`, h, len(hostOf(t, env, h))))
			if !row.MatchString(r.stdout) {
				t.Errorf("no row matching %s in\n%s", row, r.stdout)
			}
		}
	})

	t.Run("migrate --wait", func(t *testing.T) {
		vm := vms["vm-1"]
		from := vm.Host.Get()
		to := env.OtherHost(from)
		r := run(t, env.Kubeconfig, "-n", ns, "migrate", "vm-1", "--to", to, "--wait", e2eTimeout)
		if r.code != exitOK {
			t.Fatalf("exit %d (%v)", r.code, r.err)
		}
		for _, re := range []string{
			`livemigration.novanats.io/vm-1-\w{5} created`,
			fmt.Sprintf(`vm-1-\w{5}: Running \(%s -> %s\)`, from, to),
			`vm-1-\w{5}: +\d+% [\d.]+ [KMG]?i?B of [\d.]+ [KMG]?i?B remaining, [\d.]+ [KMG]?i?B sent`,
			fmt.Sprintf(`vm-1-\w{5}: Succeeded \(%s -> %s\) in (under 1s|\d+s)`, from, to),
		} {
			if !regexp.MustCompile(re).MatchString(r.stdout) {
				t.Errorf("output lacks %s:\n%s", re, r.stdout)
			}
		}
		if got := env.Instance(t, vm.UUID.Get()).Host.Get(); got != to {
			t.Errorf("vm-1 on %s after migrate --to %s", got, to)
		}
	})

	t.Run("drain and uncordon", func(t *testing.T) {
		// The host with the most instances.
		host := env.Cloud.Hosts[0]
		for _, h := range env.Cloud.Hosts {
			if len(hostOf(t, env, h)) > len(hostOf(t, env, host)) {
				host = h
			}
		}
		before := hostOf(t, env, host)
		if len(before) == 0 {
			t.Fatalf("no instance on any host")
		}
		r := run(t, env.Kubeconfig, "-n", ns, "drain", host, "--max-concurrent", "1", "--reason", "kernel update", e2eTimeout)
		if r.code != exitOK {
			t.Fatalf("exit %d (%v)", r.code, r.err)
		}
		if left := hostOf(t, env, host); len(left) != 0 {
			t.Errorf("%d instances still on %s after drain", len(left), host)
		}
		for _, in := range before {
			if !regexp.MustCompile(fmt.Sprintf(`(?m)^%s\s+%s\s+%s-\w{5}\s+Succeeded\s+\S+\s+-$`, in.DisplayName.Get(), in.UUID.Get(), in.DisplayName.Get())).MatchString(r.stdout) {
				t.Errorf("no Succeeded row for %s:\n%s", in.DisplayName.Get(), r.stdout)
			}
		}
		if n := maxUnfinished(r.stdout); n != 1 {
			t.Errorf("at most %d LiveMigrations unfinished at once, want 1 (--max-concurrent 1):\n%s", n, r.stdout)
		}
		if !strings.Contains(r.stdout, "computehost/"+host+" drained") {
			t.Errorf("no drained line:\n%s", r.stdout)
		}
		svc := service(t, env, host)
		if !svc.Disabled.Get() || svc.DisabledReason.Get() != "kernel update" {
			t.Errorf("nova's service after drain: disabled %t reason %q", svc.Disabled.Get(), svc.DisabledReason.Get())
		}
		// The drain's LiveMigrations carry its label.
		var lms novav1.LiveMigrationList
		if err := env.Client.List(ctx, &lms, client.InNamespace(ns), client.MatchingLabels{labelDrain: host}); err != nil || len(lms.Items) != len(before) {
			t.Errorf("%d LiveMigrations labelled %s=%s (%v), want %d", len(lms.Items), labelDrain, host, err, len(before))
		}

		if r := run(t, env.Kubeconfig, "uncordon", host); r.code != exitOK || !strings.Contains(r.stdout, "computehost/"+host+" enabled") {
			t.Fatalf("uncordon: exit %d (%v) %q", r.code, r.err, r.stdout)
		}
		if svc := service(t, env, host); svc.Disabled.Get() {
			t.Errorf("nova's service still disabled after uncordon (reason %q)", svc.DisabledReason.Get())
		}
	})

	t.Run("abort", func(t *testing.T) {
		vm := vms["vm-3"]
		from := env.Instance(t, vm.UUID.Get()).Host.Get()
		env.NonConverging(vm)
		lm := migrateRunning(t, env, "vm-3")
		r := run(t, env.Kubeconfig, "-n", ns, "abort", "vm-3", "--wait", e2eTimeout)
		if r.code != exitOK || !strings.Contains(r.stdout, lm+": abort requested") || !strings.Contains(r.stdout, lm+": Cancelled") {
			t.Fatalf("exit %d (%v):\n%s", r.code, r.err, r.stdout)
		}
		if got := env.Instance(t, vm.UUID.Get()).Host.Get(); got != from {
			t.Errorf("vm-3 on %s after the abort, want %s", got, from)
		}
		// Finished: a second abort is refused.
		if r := run(t, env.Kubeconfig, "-n", ns, "abort", lm); r.code != exitConflict {
			t.Errorf("abort of a Cancelled migration: exit %d (%v), want %d", r.code, r.err, exitConflict)
		}
	})

	t.Run("force-complete", func(t *testing.T) {
		vm := vms["vm-4"]
		from := env.Instance(t, vm.UUID.Get()).Host.Get()
		env.NonConverging(vm)
		lm := migrateRunning(t, env, "vm-4")
		r := run(t, env.Kubeconfig, "-n", ns, "force-complete", lm, "--wait", e2eTimeout)
		if r.code != exitOK || !strings.Contains(r.stdout, lm+": Succeeded") {
			t.Fatalf("exit %d (%v):\n%s", r.code, r.err, r.stdout)
		}
		if got := env.Instance(t, vm.UUID.Get()).Host.Get(); got == from {
			t.Errorf("vm-4 still on %s after force-complete", got)
		}
	})

	// The plugin as users run it: the built binary, found on PATH by the
	// real kubectl, which passes the arguments and the exit code through.
	// kubectl takes no flags before a plugin's name: the kubeconfig comes
	// from KUBECONFIG, which the plugin reads as kubectl does.
	t.Run("through kubectl", func(t *testing.T) {
		bin := t.TempDir()
		build := exec.Command("go", "build", "-o", filepath.Join(bin, "kubectl-nova"), ".")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		kubectl := func(args ...string) (string, int) {
			cmd := exec.Command(filepath.Join(env.Assets, "kubectl"), args...)
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+env.Kubeconfig)
			out, err := cmd.CombinedOutput()
			t.Logf("kubectl %s:\n%s", strings.Join(args, " "), out)
			if ee, ok := err.(*exec.ExitError); ok {
				return string(out), ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			return string(out), 0
		}
		if out, _ := kubectl("plugin", "list"); !strings.Contains(out, filepath.Join(bin, "kubectl-nova")) {
			t.Errorf("kubectl plugin list does not find kubectl-nova:\n%s", out)
		}
		vm := vms["vm-2"]
		from := env.Instance(t, vm.UUID.Get()).Host.Get()
		out, code := kubectl("nova", "migrate", vm.UUID.Get(), "--wait", e2eTimeout)
		// Named after the instance, though given by UUID.
		if code != exitOK || !regexp.MustCompile(`vm-2-\w{5}: Succeeded`).MatchString(out) {
			t.Errorf("kubectl nova migrate --wait: exit %d", code)
		}
		if got := env.Instance(t, vm.UUID.Get()).Host.Get(); got == from {
			t.Errorf("vm-2 still on %s", got)
		}
		if out, code := kubectl("nova", "hosts"); code != exitOK || !strings.HasPrefix(out, "NAME") {
			t.Errorf("kubectl nova hosts: exit %d", code)
		}
		if _, code := kubectl("nova", "abort", "no-such-migration"); code != exitNotFound {
			t.Errorf("kubectl nova abort no-such-migration: exit %d, want %d", code, exitNotFound)
		}
	})
}

// migrateRunning creates a LiveMigration of instance with the plugin and
// waits (kubectl wait) until it copies memory; returns its name.
func migrateRunning(t *testing.T, env *kubetest.Env, instance string) string {
	t.Helper()
	r := run(t, env.Kubeconfig, "-n", kubetest.Namespace, "migrate", instance, "-o", "name")
	if r.code != exitOK {
		t.Fatalf("migrate %s: exit %d (%v)", instance, r.code, r.err)
	}
	ref := strings.TrimSpace(r.stdout)
	env.MustKubectl("wait", "-n", kubetest.Namespace, "--for=jsonpath={.status.phase}=Running", ref, e2eTimeout)
	return strings.TrimPrefix(ref, "livemigration.novanats.io/")
}

// hostOf lists the instances nova has on host.
func hostOf(t *testing.T, env *kubetest.Env, host string) []*objects.Instance {
	t.Helper()
	insts, err := env.Cloud.Store.Instances.ListByHost(context.Background(), host)
	if err != nil {
		t.Fatal(err)
	}
	return insts
}

func service(t *testing.T, env *kubetest.Env, host string) *objects.Service {
	t.Helper()
	svc, err := env.Cloud.Store.Services.Get(context.Background(), host, "nova-compute")
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// maxUnfinished reads a drain's progress lines and returns the most
// LiveMigrations created and not yet finished at any point. The lines are
// in the order the plugin acted: a migration's final line is written
// before its slot is freed for the next one.
func maxUnfinished(out string) int {
	created := regexp.MustCompile(`^livemigration\.novanats\.io/(\S+) created for `)
	final := regexp.MustCompile(`^(\S+): (Succeeded|Failed|Cancelled)\b`)
	open, most := map[string]bool{}, 0
	for _, line := range strings.Split(out, "\n") {
		if m := created.FindStringSubmatch(line); m != nil {
			open[m[1]] = true
		} else if m := final.FindStringSubmatch(line); m != nil {
			delete(open, m[1])
		}
		most = max(most, len(open))
	}
	return most
}
