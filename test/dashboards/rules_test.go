package dashboards

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestPromtoolCheckRules: Prometheus' own checker accepts rules.yaml.
func TestPromtoolCheckRules(t *testing.T) {
	out, err := exec.Command(prometheusBin(t, "promtool"), "check", "rules", rulesFile).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules %s: %v\n%s", rulesFile, err, out)
	}
	if !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool did not report success:\n%s", out)
	}
}

// TestRulesLayout: every alert says how long it must hold and how bad it
// is, and ends in the comparison the tests turn into a bool.
func TestRulesLayout(t *testing.T) {
	names := map[string]bool{}
	for _, g := range loadRules(t).Groups {
		for _, r := range g.Rules {
			if names[r.name()] {
				t.Errorf("rule %s defined twice", r.name())
			}
			names[r.name()] = true
			if r.Alert == "" {
				continue
			}
			if r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s: for %q, severity %q, summary and description all needed", r.Alert, r.For, r.Labels["severity"])
			}
			if _, err := boolForm(r.Expr); err != nil {
				t.Errorf("alert %s: %v", r.Alert, err)
			}
		}
	}
	for _, want := range []string{"NovanatsRPCErrorRatioHigh", "NovanatsRPCLatencyHigh", "NovanatsRPCMalformedMessages", "NovanatsRPCSlowConsumer", "NovanatsComputeServiceDown", "NovanatsLiveMigrationStuck", "NovanatsLiveMigrationsFailing"} {
		if !names[want] {
			t.Errorf("no alert %s", want)
		}
	}
}

// prometheusRuleHeader is the PrometheusRule around rules.yaml's groups.
const prometheusRuleHeader = `# GENERATED from rules.yaml: do not edit. Edit rules.yaml, then run
#   NOVANATS_UPDATE_DOCS=1 go test ./test/dashboards -run PrometheusRule
# The same rules for the Prometheus Operator. kube-prometheus-stack's
# Prometheus selects PrometheusRules labelled release=<its release name>
# by default; set ruleSelector (or this label) to match yours.
`

// renderPrometheusRule wraps rules.yaml's groups in a PrometheusRule.
func renderPrometheusRule(t *testing.T) []byte {
	t.Helper()
	obj := map[string]any{
		"apiVersion": "monitoring.coreos.com/v1",
		"kind":       "PrometheusRule",
		"metadata": map[string]any{
			"name":   "novanats",
			"labels": map[string]string{"app.kubernetes.io/name": "novanats"},
		},
		"spec": loadRules(t),
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(prometheusRuleHeader), out...)
}

// TestPrometheusRuleMatchesRules: prometheusrule.yaml is rules.yaml in a
// PrometheusRule, so the two cannot drift.
func TestPrometheusRuleMatchesRules(t *testing.T) {
	want := renderPrometheusRule(t)
	if os.Getenv("NOVANATS_UPDATE_DOCS") != "" {
		if err := os.WriteFile(promRuleFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(promRuleFile)
	if err != nil {
		t.Fatalf("%v (write it: NOVANATS_UPDATE_DOCS=1 go test ./test/dashboards -run PrometheusRule)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: rules.yaml changed; run NOVANATS_UPDATE_DOCS=1 go test ./test/dashboards -run PrometheusRule", promRuleFile)
	}
}
