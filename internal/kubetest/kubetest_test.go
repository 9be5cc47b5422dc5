package kubetest

import (
	"strings"
	"testing"
)

// The harness brings up what it promises: the CRDs are served (kubectl
// knows the short names), and the controller, elected, has mirrored every
// simulated host into a ComputeHost.
func TestStart(t *testing.T) {
	env := Start(t, Options{Computes: 2})
	if out := env.MustKubectl("api-resources", "--api-group=novanats.io", "-o", "name"); !strings.Contains(out, "livemigrations.novanats.io") ||
		!strings.Contains(out, "computehosts.novanats.io") {
		t.Fatalf("CRDs not served:\n%s", out)
	}
	for _, h := range env.Cloud.Hosts {
		env.MustKubectl("wait", "--for=create", "computehost/"+h, "--timeout=60s")
		env.MustKubectl("wait", "--for=jsonpath={.status.up}=true", "computehost/"+h, "--timeout=60s")
	}
	env.RestartController()
	if out := env.MustKubectl("get", "lease", "-n", ConductorNamespace, "novanats-controller", "-o", "jsonpath={.spec.holderIdentity}"); out == "" {
		t.Fatal("no leader-election Lease holder after the restart")
	}
}

// The controller runs as the conductor's ServiceAccount, and the API
// server enforces its RBAC: what the controller does is allowed, the rest
// is not (so the tests passing shows the rules are enough, and this shows
// they are not more).
func TestControllerRBAC(t *testing.T) {
	env := Start(t, Options{Computes: 1, NoController: true})
	as := "--as=" + conductorUser.UserName
	for _, c := range []struct {
		verb, resource, ns string
		allowed            bool
	}{
		{"watch", "livemigrations.novanats.io", "team-a", true},
		{"update", "livemigrations.novanats.io/status", "team-a", true},
		{"update", "livemigrations.novanats.io/finalizers", "team-a", true},
		{"create", "computehosts.novanats.io", "", true},
		{"delete", "computehosts.novanats.io", "", true},
		{"update", "computehosts.novanats.io/status", "", true},
		{"update", "leases.coordination.k8s.io", ConductorNamespace, true},
		{"create", "events", ConductorNamespace, true},
		// Not the controller's to do:
		{"patch", "livemigrations.novanats.io/status", "team-a", false},
		{"update", "livemigrations.novanats.io/scale", "team-a", false},
		{"create", "livemigrations.novanats.io", "team-a", false},
		{"delete", "livemigrations.novanats.io", "team-a", false},
		{"update", "computehosts.novanats.io", "", false},
		{"update", "leases.coordination.k8s.io", "kube-system", false},
		{"get", "secrets", ConductorNamespace, false},
		{"list", "pods", ConductorNamespace, false},
	} {
		resource, sub, _ := strings.Cut(c.resource, "/")
		args := []string{"auth", "can-i", c.verb, resource, as}
		if sub != "" {
			args = append(args, "--subresource="+sub)
		}
		if c.ns != "" {
			args = append(args, "-n", c.ns)
		}
		out, _ := env.Kubectl(args...) // exit 1 means "no"
		if got := strings.TrimSpace(out) == "yes"; got != c.allowed {
			t.Errorf("%s %s in %q: allowed %v, want %v", c.verb, c.resource, c.ns, got, c.allowed)
		}
	}
}
