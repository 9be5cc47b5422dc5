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
	if out := env.MustKubectl("get", "lease", "-n", Namespace, "novanats-controller", "-o", "jsonpath={.spec.holderIdentity}"); out == "" {
		t.Fatal("no leader-election Lease holder after the restart")
	}
}
