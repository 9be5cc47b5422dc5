package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestYAMLAgreesWithJSON: -o yaml parses, and says what -o json says, for
// the list and show commands.
func TestYAMLAgreesWithJSON(t *testing.T) {
	cloud, insts := startCloud(t, "y-1")
	url := "--nats-url=" + cloud.NATSURL()
	if out, code := run(t, "live-migrate", "y-1", "--wait", url); code != exitOK {
		t.Fatalf("live-migrate: exit %d: %s", code, out)
	}
	for _, args := range [][]string{
		{"server", "list"},
		{"server", "show", "y-1"},
		{"server", "action-list", insts[0].UUID.Get()},
		{"migration", "list"},
		{"migration", "show", "1"},
		{"host", "list"},
		{"rpc", "map", "--source", "../.."},
	} {
		if args[0] != "rpc" {
			args = append(args, url)
		}
		asJSON := structured(t, "json", args...)
		asYAML := structured(t, "yaml", args...)
		if !reflect.DeepEqual(asJSON, asYAML) {
			t.Errorf("%v: -o yaml differs from -o json:\n%v\n%v", args, asYAML, asJSON)
		}
		if asJSON == nil || reflect.ValueOf(asJSON).Len() == 0 {
			t.Errorf("%v: empty output", args)
		}
	}
	out := structured(t, "yaml", "server", "show", "y-1", url).(map[string]any)
	if out["display_name"] != "y-1" || out["host"] == insts[0].Host.Get() {
		t.Errorf("server show -o yaml: %v", out)
	}
}

// structured runs a command with -o format and parses its output.
func structured(t *testing.T, format string, args ...string) any {
	t.Helper()
	stdout, stderr, code := runSplit(t, append(args, "-o", format)...)
	if code != exitOK {
		t.Fatalf("%v -o %s: exit %d: %s", args, format, code, stderr)
	}
	var v any
	var err error
	if format == "yaml" {
		if strings.HasPrefix(strings.TrimSpace(stdout), "{") || strings.HasPrefix(strings.TrimSpace(stdout), "[{") {
			t.Fatalf("%v -o yaml printed JSON:\n%s", args, stdout)
		}
		err = yaml.Unmarshal([]byte(stdout), &v)
	} else {
		err = json.Unmarshal([]byte(stdout), &v)
	}
	if err != nil {
		t.Fatalf("%v -o %s does not parse: %v\n%s", args, format, err, stdout)
	}
	return v
}
