package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/micro"
)

// natscliModule is the standard nats CLI, at the version the issue names.
const natscliModule = "github.com/nats-io/natscli/nats@v0.5.0"

// moduleUnreachable matches the go command's errors when it cannot fetch
// a module (no network, no proxy), as opposed to a build that fails.
var moduleUnreachable = regexp.MustCompile(`dial tcp|no such host|i/o timeout|connection refused|network is unreachable|TLS handshake|GOPROXY=off|reading https?://\S+: (4|5)\d\d`)

// The standard nats CLI sees every service through the micro discovery
// protocol: `nats micro list / info / stats` against a dev cloud. Building
// natscli takes about 3 minutes on 2 cores the first time (6 s once the
// go build cache has it), so the test runs only with NOVANATS_NATSCLI=1;
// pkg/rpc's TestMicroDiscoveryProtocol checks the protocol itself on
// every run.
func TestNATSCLIMicroDiscovery(t *testing.T) {
	if os.Getenv("NOVANATS_NATSCLI") == "" {
		t.Skip("set NOVANATS_NATSCLI=1 to build " + natscliModule + " (about 3 minutes the first time) and run nats micro list/info/stats against a dev cloud")
	}
	nats := buildNATSCLI(t)
	cloud, _ := startCloud(t, "cli-1")
	natsCLI := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), nats, append([]string{"--server", cloud.NATSURL(), "--timeout", "5s"}, args...)...)
		cmd.Env = append(os.Environ(), "NATS_CONTEXT=", "HOME="+t.TempDir()) // no user context or config
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("nats %v: %v\n%s", args, err, out)
		}
		return string(out)
	}

	// nats micro list: conductor, scheduler and the three computes.
	var list []micro.Info
	if err := json.Unmarshal([]byte(natsCLI("micro", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{} // server -> instance id
	for _, in := range list {
		if in.Type != micro.InfoResponseType {
			t.Errorf("list: %+v", in)
		}
		ids[in.Metadata["server"]] = in.ID
	}
	for _, server := range []string{"conductor-1", "scheduler-1", "compute-1", "compute-2", "compute-3"} {
		if ids[server] == "" {
			t.Errorf("nats micro list lacks %s: %v", server, ids)
		}
	}
	table := natsCLI("micro", "list")
	for _, want := range []string{"All Services", "conductor", "scheduler", "compute", "novanats compute service on compute-2"} {
		if !strings.Contains(table, want) {
			t.Errorf("nats micro list lacks %q:\n%s", want, table)
		}
	}

	// nats micro info compute ID: that host's RPC methods as endpoints.
	var info struct {
		Info micro.Info `json:"info"`
	}
	if err := json.Unmarshal([]byte(natsCLI("micro", "info", "compute", ids["compute-1"], "--json")), &info); err != nil {
		t.Fatal(err)
	}
	endpoints := map[string]micro.EndpointInfo{}
	for _, ep := range info.Info.Endpoints {
		endpoints[ep.Name] = ep
	}
	for _, m := range []string{"live_migration", "check_can_live_migrate_destination", "pre_live_migration", "build_and_run_instance"} {
		ep, ok := endpoints[m]
		if !ok || ep.Subject != "compute.compute-1" || ep.Metadata["call_type"] == "" || ep.Metadata["version"] == "" {
			t.Errorf("nats micro info compute: endpoint %s = %+v (present %t)", m, ep, ok)
		}
	}

	// nats micro stats conductor: per-method counts, the boot included.
	var stats []micro.Stats
	if err := json.Unmarshal([]byte(natsCLI("micro", "stats", "conductor", "--json")), &stats); err != nil {
		t.Fatal(err)
	}
	if len(stats) != 1 || stats[0].Type != micro.StatsResponseType {
		t.Fatalf("stats: %+v", stats)
	}
	var boots int
	for _, ep := range stats[0].Endpoints {
		if ep.Name == "schedule_and_build_instances" {
			boots = ep.NumRequests
		}
	}
	if boots < 1 {
		t.Errorf("nats micro stats conductor: schedule_and_build_instances served %d requests, want >= 1: %+v", boots, stats[0].Endpoints)
	}
	if out := natsCLI("micro", "stats", "conductor"); !strings.Contains(out, "conductor Service Statistics") || !strings.Contains(out, "object_action") {
		t.Errorf("nats micro stats conductor:\n%s", out)
	}
}

// buildNATSCLI builds natscli into a temp dir with go install, from
// outside this module. It skips the test only when the module cannot be
// fetched; any other build failure fails it.
func buildNATSCLI(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "go", "install", natscliModule)
	cmd.Dir = bin
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=-mod=mod", "GOWORK=off")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		if moduleUnreachable.Match(out) {
			t.Skipf("cannot fetch %s from the module proxy (%s): %s", natscliModule, os.Getenv("GOPROXY"), firstLine(out))
		}
		t.Fatalf("go install %s: %v\n%s", natscliModule, err, out)
	}
	t.Logf("built %s in %s", natscliModule, time.Since(start).Round(time.Second))
	return filepath.Join(bin, "nats")
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

// The skip is for a module that cannot be fetched, never for a build that
// breaks: the go command's messages for each.
func TestModuleUnreachableTellsFetchFromBuildErrors(t *testing.T) {
	for _, msg := range []string{
		"go: github.com/nats-io/natscli/nats@v0.5.0: module lookup disabled by GOPROXY=off",
		`go: github.com/nats-io/natscli/nats@v0.5.0: Get "http://127.0.0.1:1/github.com/nats-io/natscli/nats/@v/v0.5.0.info": dial tcp 127.0.0.1:1: connect: connection refused`,
		`go: github.com/nats-io/natscli/nats@v0.5.0: Get "https://nonexistent.invalid/github.com/nats-io/natscli/nats/@v/v0.5.0.info": dial tcp: lookup nonexistent.invalid on 10.255.255.53:53: no such host`,
		"go: github.com/nats-io/jsm.go@v0.5.0: reading https://proxy.golang.org/github.com/nats-io/jsm.go/@v/v0.5.0.zip: 503 Service Unavailable",
	} {
		if !moduleUnreachable.MatchString(msg) {
			t.Errorf("a fetch failure not recognised: %s", msg)
		}
	}
	for _, msg := range []string{
		"# github.com/nats-io/natscli/cli\ncli/service_command.go:66:9: undefined: fisk",
		"go: github.com/nats-io/natscli/nats@v0.5.0 requires go >= 1.27; switching to go1.27",
	} {
		if moduleUnreachable.MatchString(msg) {
			t.Errorf("a build failure taken for a fetch failure: %s", msg)
		}
	}
}
