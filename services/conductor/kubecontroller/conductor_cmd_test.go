package kubecontroller_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
	"github.com/novanats/novanats/internal/kubetest"
)

// `novanats conductor --kube-controller --kubeconfig ...`, as the
// Deployment runs it (in a pod the service account replaces --kubeconfig),
// takes the Lease and reconciles: a LiveMigration applied with kubectl
// succeeds through it, with no controller in the test process.
func TestConductorCommandRunsController(t *testing.T) {
	env := kubetest.Start(t, kubetest.Options{Computes: 2, NoController: true})
	metricsAddr := freeAddr(t)
	runNovanats(t, "conductor", "--nats-url", env.Cloud.NATSURL(), "--host", "conductor-k8s",
		"--listen-metrics", metricsAddr, "--kube-controller", "--kubeconfig", env.Kubeconfig,
		"--leader-election-namespace", kubetest.Namespace, "--leader-election-id", "novanats-test")

	env.MustKubectl("wait", "--for=create", "-n", kubetest.Namespace, "lease/novanats-test", "--timeout=60s")
	if holder := env.MustKubectl("get", "-n", kubetest.Namespace, "lease/novanats-test", "-o", "jsonpath={.spec.holderIdentity}"); holder == "" {
		t.Fatal("the Lease has no holder")
	}
	env.Boot("vm-cmd")
	apply(t, env, "vm-cmd", "vm-cmd", "")
	lm := waitPhase(t, env, "vm-cmd", novav1.PhaseSucceeded)
	if lm.Status.MigrationID == "" {
		t.Fatalf("status %+v", lm.Status)
	}
	for _, h := range env.Cloud.Hosts {
		env.MustKubectl("wait", "--for=create", "computehost/"+h, "--timeout=60s")
	}

	// The conductor's /metrics carries controller-runtime's metrics beside
	// its own, each name once (a duplicate would fail the scrape).
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	metrics := string(body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s\n%s", resp.Status, metrics)
	}
	reconciled := regexp.MustCompile(`(?m)^controller_runtime_reconcile_total\{controller="livemigration",result="success"\} ([1-9]\d*)$`)
	if !reconciled.MatchString(metrics) {
		t.Errorf("no successful livemigration reconciles counted on /metrics")
	}
	for _, family := range []string{"workqueue_depth", "novanats_service_up", "go_goroutines", "process_cpu_seconds_total"} {
		if n := strings.Count(metrics, "# TYPE "+family+" "); n != 1 {
			t.Errorf("%s: %d TYPE lines on /metrics, want 1", family, n)
		}
	}
}

// freeAddr is a loopback address with a port free at the time of the call.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runNovanats builds cmd/novanats and runs it with args until the test
// ends (then SIGINT: a graceful stop releases the Lease), showing its
// output if the test failed.
func runNovanats(t *testing.T, args ...string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "novanats")
	build := exec.Command("go", "build", "-o", bin, "github.com/novanats/novanats/cmd/novanats")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("novanats %s output:\n%s", args[0], logs.String())
		}
	})
}

// `novanats dev --kubeconfig` runs a dev cloud whose controller mirrors its
// three simulated hosts into the cluster.
func TestDevCommandRunsController(t *testing.T) {
	env := kubetest.Start(t, kubetest.Options{Computes: 1, NoController: true})
	runNovanats(t, "dev", "--data-dir", t.TempDir(), "--nats-port", "-1", "--listen-metrics", "127.0.0.1:0",
		"--sim-speed", "20", "--kubeconfig", env.Kubeconfig, "--leader-election-id", "novanats-dev-test")
	// The harness's own cloud is compute-1 too; the dev cloud's hosts are
	// told apart by their count: three, where the harness has one and
	// runs no controller.
	for _, h := range []string{"compute-1", "compute-2", "compute-3"} {
		env.MustKubectl("wait", "--for=create", "computehost/"+h, "--timeout=120s")
		env.MustKubectl("wait", "--for=jsonpath={.status.up}=true", "computehost/"+h, "--timeout=120s")
	}
	env.MustKubectl("wait", "--for=create", "-n", "default", "lease/novanats-dev-test", "--timeout=60s")
}
