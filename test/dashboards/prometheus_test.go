package dashboards

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"sigs.k8s.io/yaml"

	"github.com/novanats/novanats/internal/kubetest"
	"github.com/novanats/novanats/pkg/devcloud"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/conductor"
)

// The values the test gives the dashboards' variables; each must also be
// one the variable's own query finds.
const (
	testNamespace = "novanats-e2e"
	// Grafana's $__rate_interval is at least four scrape intervals; a
	// minute covers the scenario's last steps at a 1 s scrape interval.
	rateInterval = "1m"
	// alertFor replaces every alert's `for` in the Prometheus the test
	// runs, so that the alerts fire within the test.
	alertFor = "2s"
)

// TestDashboardsAndRulesOnRealPrometheus runs a dev cloud and a real
// Prometheus scraping it every second with the rules loaded, drives the
// cloud through what the dashboards show (boots, two completed live
// migrations, two that fail in pre_live_migration, one that does not
// converge and is aborted, a call nobody answers, a compute forced down),
// then evaluates every panel query, with the variables set to values
// their own queries find, and every rule expression: each returns series
// with a number. The alerts for the stuck migration, the down compute and
// the failing migrations fire.
func TestDashboardsAndRulesOnRealPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a dev cloud and Prometheus")
	}
	started := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	// A dev cloud with the Kubernetes controller beside it (a real
	// kube-apiserver), serving both on one /metrics as a conductor run
	// with --kube-controller does.
	env := kubetest.Start(t, kubetest.Options{Computes: 3, MetricsAddr: "127.0.0.1:0"})
	cloud := env.Cloud
	prom := startPrometheus(t, cloud.MetricsAddr(), testRules(t))
	s := newScenario(t, ctx, cloud)

	// Nine instances over three hosts: one host (src) has at least three.
	// Every migration starts there, so each per-host panel has data for it.
	insts := s.boot(9)
	byHost := map[string][]*objects.Instance{}
	for _, inst := range insts {
		byHost[inst.Host.Get()] = append(byHost[inst.Host.Get()], inst)
	}
	hosts := slices.Clone(cloud.Hosts)
	sort.SliceStable(hosts, func(i, j int) bool { return len(byHost[hosts[i]]) > len(byHost[hosts[j]]) })
	src, dst, down := hosts[0], hosts[1], hosts[2]
	a, b, c := byHost[src][0], byHost[src][1], byHost[src][2]
	t.Logf("migrations from %s to %s; %s forced down", src, dst, down)

	// An operator forces a compute down (nova's service set --down): the
	// service group says down at once, and it is not disabled.
	if _, err := cloud.Store.Services.Update(ctx, down, compute.Binary, func(sv *objects.Service) error {
		sv.ForcedDown.Set(true)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Counters and histograms appear with their first event, and
	// increase() sees only what changes after Prometheus' first sample:
	// each outcome happens twice, with a scrape in between.
	s.expectFinal(s.migrate(a, dst), objects.MigrationCompleted)
	prom.awaitValue(t, fmt.Sprintf(`novanats_migration_finished_total{host=%q, status="completed"}`, src), 1)
	s.expectFinal(s.migrate(b, dst), objects.MigrationCompleted)

	for i := 1; i <= 2; i++ {
		cloud.Drivers[dst].FailPreLiveMigration(c.UUID.Get(), nil)
		s.expectFinal(s.migrate(c, dst), objects.MigrationFailed)
		prom.awaitValue(t, fmt.Sprintf(`novanats_migration_finished_total{host=%q, status="failed"}`, src), float64(i))
	}

	// The guest dirties memory four times faster than the link copies:
	// pre-copy never converges, and with nova's downtime steps (at most
	// 500 ms for a pass of 1 s) it never switches over.
	if err := cloud.Drivers[src].SetDirtyRate(c.UUID.Get(), 4096); err != nil {
		t.Fatal(err)
	}
	stuck := s.migrate(c, dst)
	s.awaitStatus(stuck, objects.MigrationRunning)

	// A call to a host nobody serves: NoResponders.
	if _, err := s.compute.GetInstanceDiagnostics(s.request(), "compute-gone", a.UUID.Get()); !errors.As(err, new(*rpc.NoResponders)) {
		t.Fatalf("call to a host nobody serves: %v, want NoResponders", err)
	}

	// The alerts fire for what they are meant to catch.
	prom.awaitAlert(t, "NovanatsLiveMigrationStuck", map[string]string{"migration": stuck.UUID.Get(), "host": src})
	prom.awaitAlert(t, "NovanatsComputeServiceDown", map[string]string{"host": down, "namespace": testNamespace})
	prom.awaitAlert(t, "NovanatsLiveMigrationsFailing", map[string]string{"host": src})
	// ... and only for those.
	for _, a := range prom.alerts(t) {
		switch {
		case a.Labels["alertname"] == "NovanatsLiveMigrationStuck" && a.Labels["migration"] != stuck.UUID.Get(),
			a.Labels["alertname"] == "NovanatsComputeServiceDown" && a.Labels["host"] != down:
			t.Errorf("alert %v is %s", a.Labels, a.State)
		}
	}
	// The no-responders call is in; the rate windows hold the scenario.
	prom.awaitValue(t, `sum(novanats_rpc_client_exception_total{exception="NoResponders", method="get_instance_diagnostics"})`, 1)

	// Every panel query, with the variables set as an operator would.
	want := map[string]string{"namespace": testNamespace, "service": "compute", "host": src, "migration": stuck.UUID.Get()}
	panels := 0
	for _, d := range loadDashboards(t) {
		vars := prom.resolveVariables(t, d, want)
		for _, p := range d.allPanels() {
			for _, tg := range p.Targets {
				panels++
				prom.expectData(t, fmt.Sprintf("%s panel %q %s", d.file, p.Title, tg.RefID), substitute(tg.Expr, vars))
			}
		}
	}

	// Every rule expression, alerts in their bool form, and every rule
	// evaluates without error in Prometheus itself.
	rules := 0
	for _, g := range loadRules(t).Groups {
		for _, r := range g.Rules {
			rules++
			expr := r.Expr
			if r.Alert != "" {
				var err error
				if expr, err = boolForm(r.Expr); err != nil {
					t.Fatalf("alert %s: %v", r.Alert, err)
				}
			} else {
				prom.expectData(t, "recorded series "+r.Record, r.Record)
			}
			prom.expectData(t, "rule "+r.name(), expr)
		}
	}
	prom.expectRulesHealthy(t, rules)

	// The abort ends the stuck migration: cancelled, its series gone, and
	// the alert resolves.
	inst, err := cloud.Store.Instances.Get(ctx, c.UUID.Get())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.compute.LiveMigrationAbort(s.request(), inst, stuck.ID.Get()); err != nil {
		t.Fatal(err)
	}
	s.expectFinal(stuck, objects.MigrationCancelled)
	prom.awaitValue(t, fmt.Sprintf(`novanats_migration_finished_total{host=%q, status="cancelled"}`, src), 1)
	prom.await(t, "the stuck-migration alert to resolve after the abort", func() (bool, string) {
		for _, a := range prom.alerts(t) {
			if a.Labels["alertname"] == "NovanatsLiveMigrationStuck" {
				return false, fmt.Sprintf("still %s: %v", a.State, a.Labels)
			}
		}
		return true, ""
	})
	t.Logf("%d panel queries and %d rules returned data on a real Prometheus; %s in all", panels, rules, time.Since(started).Round(time.Millisecond))
}

// testRules is rules.yaml with every alert's `for` shortened to alertFor:
// the same expressions, on the test's time scale.
func testRules(t *testing.T) string {
	t.Helper()
	rf := loadRules(t)
	for _, g := range rf.Groups {
		for i := range g.Rules {
			if g.Rules[i].Alert != "" {
				g.Rules[i].For = alertFor
			}
		}
	}
	out, err := yaml.Marshal(rf)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// scenario drives the dev cloud as nova-api and an operator would.
type scenario struct {
	t       *testing.T
	ctx     context.Context
	cloud   *devcloud.Cloud
	tasks   *conductor.TaskAPI
	compute *compute.API
}

func newScenario(t *testing.T, ctx context.Context, cloud *devcloud.Cloud) *scenario {
	nc, err := cloud.Connect("dashboards-test")
	if err != nil {
		t.Fatal(err)
	}
	// The API's clients record into the cloud's registry, as nova-api's
	// own process would export them.
	metrics := rpc.WithMetrics(rpc.NewMetrics(cloud.Registry))
	s := &scenario{t: t, ctx: ctx, cloud: cloud}
	if s.tasks, err = conductor.NewTaskAPI(nc, rpc.Caller("nova-api"), metrics); err != nil {
		t.Fatal(err)
	}
	if s.compute, err = compute.NewAPI(nc, rpc.Caller("nova-api"), metrics, rpc.Timeout(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *scenario) request() context.Context {
	return rpc.WithRequestContext(s.ctx, rpc.NewRequestContext())
}

func (s *scenario) boot(n int) []*objects.Instance {
	s.t.Helper()
	// 1024 MB: a pre-copy pass of 1 s on the sim's 1 GiB/s link.
	f := objects.NewFlavor("m1.e2e", 1, 1024, 1)
	var reqs []conductor.BuildRequest
	for i := range n {
		reqs = append(reqs, conductor.BuildRequest{InstanceUUID: uuid.NewString(), DisplayName: fmt.Sprintf("e2e-%d", i), Flavor: f})
	}
	if err := s.tasks.ScheduleAndBuildInstances(s.request(), reqs); err != nil {
		s.t.Fatal(err)
	}
	var out []*objects.Instance
	for _, r := range reqs {
		out = append(out, s.awaitActive(r.InstanceUUID))
	}
	return out
}

// awaitActive follows the instance's record until it is active.
func (s *scenario) awaitActive(id string) *objects.Instance {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 60*time.Second)
	defer cancel()
	updates, err := s.cloud.Store.Instances.Watch(ctx, id)
	if err != nil {
		s.t.Fatal(err)
	}
	for u := range updates {
		if u.Err != nil || u.Deleted || u.Value == nil {
			continue
		}
		switch vm, _ := u.Value.VMState.Lookup(); vm {
		case objects.VMStateActive:
			if u.Value.TaskState.IsNull() {
				return u.Value
			}
		case objects.VMStateError:
			s.t.Fatalf("instance %s went to error", id)
		}
	}
	s.t.Fatalf("instance %s not active within 60s", id)
	return nil
}

func (s *scenario) migrate(inst *objects.Instance, dest string) *objects.Migration {
	s.t.Helper()
	m, err := s.tasks.MigrateServer(s.request(), conductor.LiveMigrateInstanceArgs{InstanceUUID: inst.UUID.Get(), Host: dest})
	if err != nil {
		s.t.Fatalf("live migration of %s to %s: %v", inst.UUID.Get(), dest, err)
	}
	return m
}

// awaitStatus follows the migration's record until its status is one of
// want, and returns it.
func (s *scenario) awaitStatus(m *objects.Migration, want ...objects.MigrationStatus) *objects.Migration {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 60*time.Second)
	defer cancel()
	updates, err := s.cloud.Store.Migrations.Watch(ctx, m.ID.Get())
	if err != nil {
		s.t.Fatal(err)
	}
	last := ""
	for u := range updates {
		if u.Err != nil || u.Value == nil {
			continue
		}
		last = string(u.Value.Status.Get())
		if slices.Contains(want, u.Value.Status.Get()) {
			return u.Value
		}
	}
	s.t.Fatalf("migration %s: status %q, want %v within 60s", m.UUID.Get(), last, want)
	return nil
}

// expectFinal awaits the migration's final status and checks it.
func (s *scenario) expectFinal(m *objects.Migration, want objects.MigrationStatus) {
	s.t.Helper()
	final := []objects.MigrationStatus{objects.MigrationCompleted, objects.MigrationFailed, objects.MigrationError, objects.MigrationCancelled}
	if got := s.awaitStatus(m, final...).Status.Get(); got != want {
		s.t.Fatalf("migration %s ended %s, want %s", m.UUID.Get(), got, want)
	}
}

// prometheus is a Prometheus server the test started.
type prometheus struct {
	base string
	http *http.Client
}

// startPrometheus runs Prometheus on loopback scraping target every second
// as the Prometheus Operator's PodMonitor would (namespace and pod target
// labels), evaluating the rule file every second.
func startPrometheus(t *testing.T, target, ruleFile string) *prometheus {
	t.Helper()
	bin := prometheusBin(t, "prometheus")
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: novanats
    static_configs:
      - targets: [%q]
        labels:
          namespace: %s
          pod: novanats-dev-0
          service: dev
`, ruleFile, target, testNamespace)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// The free port is found by closing a listener on it, so another
	// process can take it before Prometheus binds: try again then.
	for attempt := 1; ; attempt++ {
		p, log, err := runPrometheus(t, bin, dir, attempt)
		if err == nil {
			return p
		}
		if attempt == 3 || !strings.Contains(log, "address already in use") {
			t.Fatalf("prometheus exited: %v\n%s", err, tail(log, 4000))
		}
	}
}

// runPrometheus starts Prometheus on a free loopback port and waits until
// it scrapes the target; if it exits before, it returns its error and log.
func runPrometheus(t *testing.T, bin, dir string, attempt int) (*prometheus, string, error) {
	t.Helper()
	logPath := filepath.Join(dir, fmt.Sprintf("prometheus-%d.log", attempt))
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddr(t)
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, fmt.Sprintf("data-%d", attempt)), "--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	p := &prometheus{base: "http://" + addr, http: &http.Client{Timeout: 10 * time.Second}}
	var (
		exitErr error
		gone    bool
	)
	p.await(t, "Prometheus to be ready and scrape the dev cloud", func() (bool, string) {
		select {
		case exitErr = <-exited:
			gone = true
			return true, ""
		default:
		}
		res, err := p.query(`up{job="novanats"}`)
		if err != nil {
			return false, err.Error()
		}
		if len(res) != 1 || res[0].value() != 1 {
			return false, fmt.Sprintf("up = %v", res)
		}
		return true, ""
	})
	if gone {
		logf.Close()
		out, _ := os.ReadFile(logPath)
		return nil, string(out), fmt.Errorf("exited before serving: %v", exitErr)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		logf.Close()
		if t.Failed() {
			if out, err := os.ReadFile(logPath); err == nil {
				t.Logf("prometheus log:\n%s", tail(string(out), 4000))
			}
		}
	})
	return p, "", nil
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// sample is one series of an instant vector.
type sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s sample) value() float64 {
	str, _ := s.Value[1].(string)
	v, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

func (s sample) String() string { return fmt.Sprintf("%v=%v", s.Metric, s.Value[1]) }

// get calls the HTTP API and decodes its data.
func (p *prometheus) get(path string, params url.Values, data any) error {
	resp, err := p.http.Get(p.base + path + "?" + params.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Status    string          `json:"status"`
		Error     string          `json:"error"`
		ErrorType string          `json:"errorType"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("%s: HTTP %d: %s", path, resp.StatusCode, tail(string(body), 500))
	}
	if env.Status != "success" {
		return fmt.Errorf("%s: %s: %s", path, env.ErrorType, env.Error)
	}
	return json.Unmarshal(env.Data, data)
}

// query evaluates expr now and returns its instant vector.
func (p *prometheus) query(expr string) ([]sample, error) {
	var data struct {
		ResultType string   `json:"resultType"`
		Result     []sample `json:"result"`
	}
	if err := p.get("/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return nil, fmt.Errorf("query %s: %w", expr, err)
	}
	if data.ResultType != "vector" {
		return nil, fmt.Errorf("query %s: a %s, want an instant vector", expr, data.ResultType)
	}
	return data.Result, nil
}

// await polls cond until it holds. Prometheus has no event to wait for:
// its API is the only way to see what it scraped and evaluated.
func (p *prometheus) await(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 45s for %s: %s", what, why)
		}
		<-tick.C
	}
}

// awaitValue waits until the single series of expr has value want.
func (p *prometheus) awaitValue(t *testing.T, expr string, want float64) {
	t.Helper()
	p.await(t, fmt.Sprintf("%s = %v", expr, want), func() (bool, string) {
		res, err := p.query(expr)
		if err != nil {
			return false, err.Error()
		}
		return len(res) == 1 && res[0].value() == want, fmt.Sprintf("%v", res)
	})
}

// expectData evaluates expr and fails unless it returns series, at least
// one with a number: NaN alone is an empty panel too.
func (p *prometheus) expectData(t *testing.T, what, expr string) {
	t.Helper()
	res, err := p.query(expr)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if len(res) == 0 {
		t.Errorf("%s: no series for\n  %s", what, expr)
		return
	}
	for _, s := range res {
		if v := s.value(); !math.IsNaN(v) && !math.IsInf(v, 0) {
			return
		}
	}
	t.Errorf("%s: only NaN or Inf for\n  %s\n  %v", what, expr, res)
}

type alert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
}

func (p *prometheus) alerts(t *testing.T) []alert {
	t.Helper()
	var data struct {
		Alerts []alert `json:"alerts"`
	}
	if err := p.get("/api/v1/alerts", nil, &data); err != nil {
		t.Fatal(err)
	}
	return data.Alerts
}

// awaitAlert waits until alert name fires with the given labels.
func (p *prometheus) awaitAlert(t *testing.T, name string, labels map[string]string) {
	t.Helper()
	p.await(t, fmt.Sprintf("alert %s %v to fire", name, labels), func() (bool, string) {
		var seen []string
		for _, a := range p.alerts(t) {
			if a.Labels["alertname"] != name {
				continue
			}
			seen = append(seen, fmt.Sprintf("%s %v", a.State, a.Labels))
			match := a.State == "firing"
			for k, v := range labels {
				match = match && a.Labels[k] == v
			}
			if match {
				return true, ""
			}
		}
		return false, fmt.Sprintf("alerts %s: %v", name, seen)
	})
}

// expectRulesHealthy: Prometheus evaluated all n rules, none with an error.
func (p *prometheus) expectRulesHealthy(t *testing.T, n int) {
	t.Helper()
	var data struct {
		Groups []struct {
			Rules []struct {
				Name      string `json:"name"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := p.get("/api/v1/rules", nil, &data); err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, g := range data.Groups {
		for _, r := range g.Rules {
			got++
			if r.Health != "ok" {
				t.Errorf("rule %s: health %q: %s", r.Name, r.Health, r.LastError)
			}
		}
	}
	if got != n {
		t.Errorf("Prometheus has %d rules, rules.yaml %d", got, n)
	}
}

// resolveVariables gives d's variables values, in order as Grafana does:
// each query variable's label_values query runs on Prometheus with the
// variables before it substituted, and want's value must be among what it
// finds.
func (p *prometheus) resolveVariables(t *testing.T, d *dashboard, want map[string]string) map[string]string {
	t.Helper()
	vars := map[string]string{"__rate_interval": rateInterval, "__interval": "15s", "__range": "1h"}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		sel, label, err := labelValuesQuery(v.expr())
		if err != nil {
			t.Fatalf("%s variable %s: %v", d.file, v.Name, err)
		}
		sel = substitute(sel, vars)
		var values []string
		if err := p.get("/api/v1/label/"+label+"/values", url.Values{"match[]": {sel}}, &values); err != nil {
			t.Fatalf("%s variable %s: %v", d.file, v.Name, err)
		}
		w, ok := want[v.Name]
		if !ok {
			t.Fatalf("%s variable %s: the test has no value for it", d.file, v.Name)
		}
		if !slices.Contains(values, w) {
			t.Fatalf("%s variable %s: %s finds %v, not %q", d.file, v.Name, v.expr(), values, w)
		}
		vars[v.Name] = regexp.QuoteMeta(w)
	}
	return vars
}

// substitute replaces $name and ${name} by vars[name], longest names
// first so that $host does not eat $hostname.
func substitute(expr string, vars map[string]string) string {
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, n := range names {
		expr = strings.ReplaceAll(expr, "${"+n+"}", vars[n])
		expr = strings.ReplaceAll(expr, "$"+n, vars[n])
	}
	return expr
}
