// Package k8s holds the Kubernetes manifests of novanats (kustomize) and the
// test that validates them; it has no Go code of its own.
package k8s

// TestK8sManifests checks every kustomization of k8s/ against a real
// kube-apiserver: rendered with `kubectl kustomize`, applied with
// `kubectl apply --dry-run=server`, so admission, defaulting and the
// schemas (including the Prometheus Operator CRDs) all see every object,
// and nothing is stored. The binaries come from KUBEBUILDER_ASSETS or, when
// it is unset, hack/envtest-assets.sh (internal/kubetest.Assets): it never
// skips.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/novanats/novanats/internal/kubetest"
	"github.com/novanats/novanats/pkg/natsauth"
)

// kustomizations are every kustomization a user can apply (components are
// covered through the overlays that use them). simHosts is how many
// simulated compute hosts the overlay runs (0: none).
var kustomizations = []struct {
	dir      string
	simHosts int
}{
	{"base", 0},
	{"overlays/dev", 3},
	{"overlays/simulated", 10},
}

type kube struct {
	t          *testing.T
	kubectl    string
	kubeconfig string
}

// run runs kubectl with stdin and returns its stdout; a failure ends the test
// with kubectl's stderr.
func (k *kube) run(stdin []byte, args ...string) []byte {
	k.t.Helper()
	out, err := k.try(stdin, args...)
	if err != nil {
		k.t.Fatalf("kubectl %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (k *kube) try(stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.Command(k.kubectl, append([]string{"--kubeconfig", k.kubeconfig}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%w\n%s", err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// object is the part of a Kubernetes object the checks below read.
type object struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Replicas *int `json:"replicas"`
	} `json:"spec"`
	Data map[string]string `json:"data"`
}

// dryRun applies manifests with --dry-run=server and returns the objects as
// the server would have stored them.
func (k *kube) dryRun(manifests []byte) []object {
	k.t.Helper()
	out := k.run(manifests, "apply", "--dry-run=server", "--validate=strict", "-o", "json", "-f", "-")
	// One object comes back bare, several as a List.
	var list struct {
		Kind  string   `json:"kind"`
		Items []object `json:"items"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		k.t.Fatalf("kubectl output: %v\n%s", err, out)
	}
	if list.Kind != "List" {
		var o object
		if err := json.Unmarshal(out, &o); err != nil {
			k.t.Fatal(err)
		}
		return []object{o}
	}
	return list.Items
}

func TestK8sManifests(t *testing.T) {
	assets := kubetest.Assets(t)
	crds := filepath.Join(assets, "crds")
	if _, err := os.Stat(crds); err != nil {
		t.Fatalf("no monitoring CRDs in %s (run hack/envtest-assets.sh): %v", assets, err)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		// The monitoring CRDs, and ours so that the examples' objects
		// can be dry-run (a CRD only dry-run defines nothing).
		CRDDirectoryPaths:     []string{crds, "base/crds"},
		ErrorIfCRDPathMissing: true,
	}
	if _, err := env.Start(); err != nil {
		t.Fatalf("start etcd and kube-apiserver: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop control plane: %v", err)
		}
	})
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, env.KubeConfig, 0o600); err != nil {
		t.Fatal(err)
	}
	k := &kube{t: t, kubectl: filepath.Join(assets, "kubectl"), kubeconfig: kubeconfig}

	// Namespaced objects can be dry-run only into a namespace that exists.
	k.run(nil, "create", "namespace", "novanats")

	t.Run("strict validation is on", func(t *testing.T) {
		// The control for "accepted" below: a misspelled field is refused.
		k := &kube{t: t, kubectl: k.kubectl, kubeconfig: k.kubeconfig}
		bad := []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: novanats\ndatta: {}\n")
		if out, err := k.try(bad, "apply", "--dry-run=server", "--validate=strict", "-f", "-"); err == nil {
			t.Fatalf("a ConfigMap with an unknown field was accepted:\n%s", out)
		}
		monitor := []byte("apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata:\n  name: x\n  namespace: novanats\nspec:\n  selector: {}\n  podMetricsEndpoints:\n    - portt: metrics\n")
		if out, err := k.try(monitor, "apply", "--dry-run=server", "--validate=strict", "-f", "-"); err == nil {
			t.Fatalf("a PodMonitor with an unknown field was accepted (CRD schema not enforced):\n%s", out)
		}
	})

	for _, kz := range kustomizations {
		if _, err := os.Stat(filepath.Join(kz.dir, "kustomization.yaml")); err != nil {
			t.Fatalf("%s: %v", kz.dir, err)
		}
		t.Run(kz.dir, func(t *testing.T) {
			k := &kube{t: t, kubectl: k.kubectl, kubeconfig: k.kubeconfig}
			rendered := k.run(nil, "kustomize", kz.dir)
			objects := k.dryRun(rendered)
			// Every rendered object came back from the server.
			if want := len(regexp.MustCompile(`(?m)^kind: `).FindAll(rendered, -1)); len(objects) != want {
				t.Fatalf("server returned %d objects for %d rendered", len(objects), want)
			}
			checkSimulatedHosts(t, objects, kz.simHosts)
		})
	}

	t.Run("examples", func(t *testing.T) {
		// Every example of k8s/examples is accepted by the CRD schemas;
		// the control: the same LiveMigration without an instance is not.
		k := &kube{t: t, kubectl: k.kubectl, kubeconfig: k.kubeconfig}
		files, err := filepath.Glob("examples/*.yaml")
		if err != nil || len(files) == 0 {
			t.Fatalf("no examples: %v", err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range k.dryRun(b) {
				if o.Kind == "" || o.Metadata.Name == "" {
					t.Errorf("%s: object without kind or name", f)
				}
			}
		}
		lm, err := os.ReadFile("examples/livemigration.yaml")
		if err != nil {
			t.Fatal(err)
		}
		bad := regexp.MustCompile(`(?m)^  instance: .*\n`).ReplaceAll(lm, nil)
		if bytes.Equal(bad, lm) {
			t.Fatal("examples/livemigration.yaml has no spec.instance line to remove")
		}
		if out, err := k.try(bad, "apply", "--dry-run=server", "--validate=strict", "-n", "novanats", "-f", "-"); err == nil {
			t.Fatalf("a LiveMigration without spec.instance was accepted:\n%s", out)
		}
	})

	t.Run("generated secrets", func(t *testing.T) {
		// The Secrets `natsauth-gen secrets` prints for the dev overlay are
		// valid objects too.
		k := &kube{t: t, kubectl: k.kubectl, kubeconfig: k.kubeconfig}
		gen := exec.Command("go", "run", "../pkg/natsauth/cmd/natsauth-gen", "secrets", "-sim", "3")
		gen.Stderr = os.Stderr
		secrets, err := gen.Output()
		if err != nil {
			t.Fatalf("natsauth-gen: %v", err)
		}
		var names []string
		for _, o := range k.dryRun(secrets) {
			names = append(names, o.Kind+"/"+o.Metadata.Name)
		}
		want := []string{"Secret/novanats-nats-auth", "Secret/novanats-nats-conductor", "Secret/novanats-nats-scheduler", "Secret/novanats-nats-compute-sim"}
		if !slices.Equal(names, want) {
			t.Fatalf("got %v, want %v", names, want)
		}
	})
}

// checkSimulatedHosts: the simulated hosts are the pods of compute-sim, and
// NATS knows exactly those hosts (auth.conf), so a replica count changed
// without re-rendering auth.conf (or the reverse) fails here.
func checkSimulatedHosts(t *testing.T, objects []object, n int) {
	t.Helper()
	var replicas = -1
	var hosts []string
	for _, o := range objects {
		switch {
		case o.Kind == "StatefulSet" && o.Metadata.Name == "compute-sim":
			replicas = *o.Spec.Replicas
		case o.Kind == "ConfigMap" && strings.HasPrefix(o.Metadata.Name, "nats-config"):
			var err error
			if hosts, err = natsauth.HostsOf([]byte(o.Data["auth.conf"])); err != nil {
				t.Fatalf("%s: %v", o.Metadata.Name, err)
			}
		case o.Kind == "DaemonSet" && n > 0:
			t.Errorf("DaemonSet %s runs beside the simulated hosts", o.Metadata.Name)
		}
	}
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("compute-sim-%d", i))
	}
	if n == 0 {
		replicas = max(replicas, 0)
	}
	if replicas != n || !slices.Equal(hosts, want) {
		t.Fatalf("compute-sim replicas %d and auth.conf hosts %v, want %d and %v", replicas, hosts, n, want)
	}
}
