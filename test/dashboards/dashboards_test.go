package dashboards

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// requiredVars are the template variables each dashboard must have.
var requiredVars = map[string][]string{
	"novanats-rpc.json":             {"datasource", "namespace", "service", "host"},
	"novanats-live-migrations.json": {"datasource", "namespace", "host", "migration"},
}

const datasourceRef = "${datasource}"

// TestDashboardsStructure checks what Grafana does not check on import:
// unique panel ids, every panel and target on the datasource variable,
// every target with a query, every variable a query uses defined.
func TestDashboardsStructure(t *testing.T) {
	uids := map[string]string{}
	for _, d := range loadDashboards(t) {
		t.Run(d.file, func(t *testing.T) {
			if want := dashboardFiles[d.file]; d.Title != want {
				t.Errorf("title %q, want %q", d.Title, want)
			}
			if d.SchemaVersion < 39 {
				t.Errorf("schemaVersion %d: write it with a current Grafana (39 or later)", d.SchemaVersion)
			}
			if d.UID == "" {
				t.Error("no uid: links to the dashboard would break on re-import")
			} else if other, ok := uids[d.UID]; ok {
				t.Errorf("uid %q is also %s's", d.UID, other)
			}
			uids[d.UID] = d.file

			vars := map[string]variable{}
			for _, v := range d.Templating.List {
				if _, dup := vars[v.Name]; dup {
					t.Errorf("variable %s defined twice", v.Name)
				}
				vars[v.Name] = v
			}
			for _, name := range requiredVars[d.file] {
				if _, ok := vars[name]; !ok {
					t.Errorf("no %s variable", name)
				}
			}
			if ds := vars["datasource"]; ds.Type != "datasource" || ds.Query != "prometheus" {
				t.Errorf("variable datasource: type %q query %v, want a datasource variable of Prometheus data sources", ds.Type, ds.Query)
			}
			defined := func(name string) bool {
				_, ok := vars[name]
				return ok || slices.Contains(builtinVars, name)
			}
			for _, v := range d.Templating.List {
				if v.Type != "query" {
					continue
				}
				if v.Datasource == nil || v.Datasource.UID != datasourceRef {
					t.Errorf("variable %s does not query the datasource variable: %+v", v.Name, v.Datasource)
				}
				if _, _, err := labelValuesQuery(v.expr()); err != nil {
					t.Errorf("variable %s: %v", v.Name, err)
				}
				if v.Definition != v.expr() {
					t.Errorf("variable %s: definition %q differs from its query %q", v.Name, v.Definition, v.expr())
				}
				for _, ref := range varRefs(v.expr()) {
					if !defined(ref) {
						t.Errorf("variable %s uses undefined $%s", v.Name, ref)
					}
				}
			}

			ids := map[int]string{}
			queries := 0
			for _, p := range d.allPanels() {
				if other, dup := ids[p.ID]; dup || p.ID <= 0 {
					t.Errorf("panel %q: id %d is not unique and positive (also %q)", p.Title, p.ID, other)
				}
				ids[p.ID] = p.Title
				if p.Type == "row" {
					continue
				}
				if p.Title == "" {
					t.Errorf("panel %d has no title", p.ID)
				}
				if p.Datasource == nil || p.Datasource.UID != datasourceRef {
					t.Errorf("panel %q does not use the datasource variable: %+v", p.Title, p.Datasource)
				}
				if len(p.Targets) == 0 {
					t.Errorf("panel %q has no queries", p.Title)
				}
				refIDs := map[string]bool{}
				for _, tg := range p.Targets {
					queries++
					if strings.TrimSpace(tg.Expr) == "" {
						t.Errorf("panel %q target %s has no expr", p.Title, tg.RefID)
					}
					if tg.RefID == "" || refIDs[tg.RefID] {
						t.Errorf("panel %q: refId %q empty or repeated", p.Title, tg.RefID)
					}
					refIDs[tg.RefID] = true
					if tg.Datasource == nil || tg.Datasource.UID != datasourceRef {
						t.Errorf("panel %q target %s does not use the datasource variable: %+v", p.Title, tg.RefID, tg.Datasource)
					}
					for _, ref := range varRefs(tg.Expr) {
						if !defined(ref) {
							t.Errorf("panel %q target %s uses undefined $%s", p.Title, tg.RefID, ref)
						}
					}
					if !strings.Contains(tg.Expr, `namespace=~"$namespace"`) {
						t.Errorf("panel %q target %s ignores the namespace (cell) variable: %s", p.Title, tg.RefID, tg.Expr)
					}
				}
			}
			if queries == 0 {
				t.Fatal("no queries at all")
			}
			// Grafana stacks overlapping panels on import: each top-level
			// panel (a collapsed row's panels are laid out when it opens)
			// has a place of its own within the 24 columns.
			for i, p := range d.Panels {
				g := p.GridPos
				if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
					t.Errorf("panel %q: gridPos %+v is not within the 24 columns", p.Title, g)
				}
				for _, q := range d.Panels[:i] {
					if g.overlaps(q.GridPos) {
						t.Errorf("panel %q (gridPos %+v) overlaps panel %q (%+v)", p.Title, g, q.Title, q.GridPos)
					}
				}
			}
		})
	}
}

// TestDashboardsAndRulesUseDocumentedMetrics keeps the dashboards and rules
// in step with docs/metrics.md: every series name they use is a listed
// metric (or a histogram's series), every label a selector matches on is
// one of that metric's or one Prometheus adds, and every label of a
// grouping clause, legend or alert template is a documented label.
func TestDashboardsAndRulesUseDocumentedMetrics(t *testing.T) {
	doc := loadMetricsDoc(t)
	check := func(where, expr string) {
		t.Helper()
		refs, err := scanPromQL(expr)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		if len(refs.selectors) == 0 {
			t.Errorf("%s: no metric in %q", where, expr)
		}
		for _, sel := range refs.selectors {
			m, ok := doc.lookup(sel.metric)
			if !ok {
				t.Errorf("%s: metric %s is not in docs/metrics.md", where, sel.metric)
				continue
			}
			for _, l := range sel.labels {
				if !m.labels[l] && !doc.targetLabels[l] {
					t.Errorf("%s: %s has no label %q (docs/metrics.md lists %v and the target labels)", where, sel.metric, l, keys(m.labels))
				}
			}
		}
		for _, l := range refs.grouping {
			if !doc.labels[l] {
				t.Errorf("%s: label %q is not in docs/metrics.md", where, l)
			}
		}
	}
	templateLabels := func(where, s string, re *regexp.Regexp) {
		t.Helper()
		for _, m := range re.FindAllStringSubmatch(s, -1) {
			if !doc.labels[m[1]] {
				t.Errorf("%s: label %q is not in docs/metrics.md", where, m[1])
			}
		}
	}
	legendLabel := regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`)
	alertLabel := regexp.MustCompile(`\$labels\.(\w+)`)

	for _, d := range loadDashboards(t) {
		for _, v := range d.Templating.List {
			if v.Type != "query" {
				continue
			}
			sel, label, err := labelValuesQuery(v.expr())
			if err != nil {
				t.Errorf("%s variable %s: %v", d.file, v.Name, err)
				continue
			}
			where := fmt.Sprintf("%s variable %s", d.file, v.Name)
			check(where, sel)
			if !doc.labels[label] {
				t.Errorf("%s: label %q is not in docs/metrics.md", where, label)
			}
		}
		for _, p := range d.allPanels() {
			for _, tg := range p.Targets {
				where := fmt.Sprintf("%s panel %q %s", d.file, p.Title, tg.RefID)
				check(where, tg.Expr)
				templateLabels(where, tg.LegendFormat, legendLabel)
			}
		}
	}
	recorded := map[string]bool{}
	for _, g := range loadRules(t).Groups {
		for _, r := range g.Rules {
			where := fmt.Sprintf("rule %s", r.name())
			check(where, r.Expr)
			if r.Record != "" {
				recorded[r.Record] = true
				if _, ok := doc.metrics[r.Record]; !ok {
					t.Errorf("recording rule %s is not in docs/metrics.md", r.Record)
				}
			}
			for _, a := range r.Annotations {
				templateLabels(where, a, alertLabel)
			}
		}
	}
	// The page lists no recording rule that does not exist.
	for name := range doc.metrics {
		if strings.Contains(name, ":") && !recorded[name] {
			t.Errorf("docs/metrics.md lists recording rule %s, which rules.yaml does not record", name)
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
