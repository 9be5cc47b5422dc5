// Package dashboards tests novanats' Grafana dashboards (k8s/grafana) and
// Prometheus rules (k8s/prometheus): their structure, that they use only
// the metrics and labels docs/metrics.md lists, that promtool accepts the
// rules, and, against a real Prometheus scraping a dev cloud that boots
// and live-migrates, that every panel query and rule expression returns
// data and the alerts fire for what they are meant to catch.
package dashboards

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"
)

// Paths from this package's directory.
const (
	root            = "../.."
	grafanaDir      = root + "/k8s/grafana"
	rulesFile       = root + "/k8s/prometheus/rules.yaml"
	promRuleFile    = root + "/k8s/prometheus/prometheusrule.yaml"
	metricsDoc      = root + "/docs/metrics.md"
	prometheusSetup = root + "/hack/prometheus.sh"
)

// dashboardFiles are the dashboards and their titles.
var dashboardFiles = map[string]string{
	"novanats-rpc.json":             "novanats / RPC",
	"novanats-live-migrations.json": "novanats / Live migrations",
}

// The parts of a Grafana dashboard the tests read.
type dashboard struct {
	file          string
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type variable struct {
	Name       string      `json:"name"`
	Type       string      `json:"type"`
	Query      any         `json:"query"` // a string (datasource) or {query: ...} (Prometheus)
	Definition string      `json:"definition"`
	Datasource *datasource `json:"datasource"`
}

// expr is a query variable's label_values query ("" for others).
func (v variable) expr() string {
	if q, ok := v.Query.(map[string]any); ok {
		s, _ := q["query"].(string)
		return s
	}
	return ""
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	Targets    []target    `json:"targets"`
	Panels     []panel     `json:"panels"` // a collapsed row's panels
	GridPos    gridPos     `json:"gridPos"`
}

// gridPos is a panel's place on Grafana's grid: 24 columns wide.
type gridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

func (g gridPos) overlaps(o gridPos) bool {
	return g.X < o.X+o.W && o.X < g.X+g.W && g.Y < o.Y+o.H && o.Y < g.Y+g.H
}

type target struct {
	RefID        string      `json:"refId"`
	Expr         string      `json:"expr"`
	LegendFormat string      `json:"legendFormat"`
	Datasource   *datasource `json:"datasource"`
}

// allPanels is every panel, rows' nested panels included.
func (d *dashboard) allPanels() []panel {
	var out []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			out = append(out, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

func loadDashboards(t *testing.T) []*dashboard {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(grafanaDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []*dashboard
	for _, f := range files {
		if _, ok := dashboardFiles[filepath.Base(f)]; !ok {
			t.Errorf("%s: a dashboard this test does not know; add it to dashboardFiles", f)
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d := &dashboard{file: filepath.Base(f)}
		if err := json.Unmarshal(raw, d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, d)
	}
	if len(out) != len(dashboardFiles) {
		t.Fatalf("found %d dashboards in %s, want %d", len(out), grafanaDir, len(dashboardFiles))
	}
	return out
}

// The rule file's structure (what Prometheus reads from rule_files).
type ruleFile struct {
	Groups []ruleGroup `json:"groups"`
}

type ruleGroup struct {
	Name  string `json:"name"`
	Rules []rule `json:"rules"`
}

type rule struct {
	Record      string            `json:"record,omitempty"`
	Alert       string            `json:"alert,omitempty"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

func (r rule) name() string { return r.Record + r.Alert }

func loadRules(t *testing.T) ruleFile {
	t.Helper()
	raw, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := yaml.UnmarshalStrict(raw, &rf); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	if len(rf.Groups) == 0 {
		t.Fatalf("%s has no rule groups", rulesFile)
	}
	return rf
}

// boolForm is an alert's expression with `bool` added to its final
// comparison, which rules.yaml puts on the expression's last line: it
// returns every series the expression compares (0 or 1) instead of only
// those that fire, so it shows the expression works on real data.
func boolForm(expr string) (string, error) {
	lines := strings.Split(strings.TrimSpace(expr), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	m := regexp.MustCompile(`^(==|!=|>=|<=|>|<)\s+(\S+)$`).FindStringSubmatch(last)
	if m == nil {
		return "", fmt.Errorf("the last line %q is not a comparison with a number (rules.yaml keeps it on its own line)", last)
	}
	lines[len(lines)-1] = m[1] + " bool " + m[2]
	return strings.Join(lines, "\n"), nil
}

// The metrics page: every metric with its type and labels, and every label
// name it documents.
type metricsDocument struct {
	metrics map[string]docMetric
	// targetLabels are the labels Prometheus adds to every series.
	targetLabels map[string]bool
	// labels are all the label names the page documents.
	labels map[string]bool
}

type docMetric struct {
	typ    string
	labels map[string]bool
}

var (
	docRow    = regexp.MustCompile("^\\| `([a-z_:0-9]+)` \\| (counter|gauge|histogram) \\| ([^|]*) \\|")
	docBullet = regexp.MustCompile("^\\* `([a-z_]+)`")
)

func loadMetricsDoc(t *testing.T) metricsDocument {
	t.Helper()
	raw, err := os.ReadFile(metricsDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := metricsDocument{metrics: map[string]docMetric{}, targetLabels: map[string]bool{}, labels: map[string]bool{}}
	section := ""
	for _, line := range strings.Split(string(raw), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			section = h
		}
		if m := docRow.FindStringSubmatch(line); m != nil {
			labels := map[string]bool{}
			for _, l := range strings.Split(m[3], ",") {
				l = strings.TrimSpace(l)
				if !regexp.MustCompile(`^[a-z_]+$`).MatchString(l) {
					t.Fatalf("%s: metric %s: label %q is not a label name (list labels one by one)", metricsDoc, m[1], l)
				}
				labels[l], doc.labels[l] = true, true
			}
			doc.metrics[m[1]] = docMetric{typ: m[2], labels: labels}
		}
		if m := docBullet.FindStringSubmatch(line); m != nil {
			doc.labels[m[1]] = true
			if section == "Labels Prometheus adds" {
				doc.targetLabels[m[1]] = true
			}
		}
	}
	if len(doc.metrics) < 20 || len(doc.targetLabels) == 0 {
		t.Fatalf("%s: read %d metrics and %d target labels; the table or section layout changed", metricsDoc, len(doc.metrics), len(doc.targetLabels))
	}
	return doc
}

// lookup finds a series name in the page: a metric, or a histogram's
// _bucket, _sum or _count series.
func (d metricsDocument) lookup(name string) (docMetric, bool) {
	if m, ok := d.metrics[name]; ok {
		return m, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if m, ok := d.metrics[base]; ok && m.typ == "histogram" {
				if suffix == "_bucket" {
					m.labels = maps(m.labels, "le")
				}
				return m, true
			}
		}
	}
	return docMetric{}, false
}

func maps(m map[string]bool, extra ...string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	for _, k := range extra {
		out[k] = true
	}
	return out
}

var (
	promtoolOnce sync.Once
	promBinDir   string
	promErr      error
)

// prometheusBin is the path of prometheus or promtool, installed by
// hack/prometheus.sh if missing.
func prometheusBin(t *testing.T, name string) string {
	t.Helper()
	promtoolOnce.Do(func() {
		cmd := exec.Command(prometheusSetup)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			promErr = fmt.Errorf("%s: %w", prometheusSetup, err)
			return
		}
		promBinDir = strings.TrimSpace(string(out))
	})
	if promErr != nil {
		t.Fatal(promErr)
	}
	return filepath.Join(promBinDir, name)
}

// builtinVars are Grafana's own variables a query may use.
var builtinVars = []string{"__rate_interval", "__interval", "__range"}

// varRefs are the template variables an expression refers to.
func varRefs(expr string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`\$\{?(\w+)\}?`).FindAllStringSubmatch(expr, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}
