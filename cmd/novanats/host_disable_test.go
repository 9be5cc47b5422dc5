package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestHostDisableEnable(t *testing.T) {
	cloud, _ := startCloud(t)
	url := "--nats-url=" + cloud.NATSURL()
	out, code := run(t, "host", "disable", "compute-2", "--reason", "kernel upgrade", url)
	if code != exitOK || !strings.Contains(out, "compute-2 disabled") {
		t.Fatalf("disable: exit %d: %s", code, out)
	}
	rows := hostRows(t, url)
	if !rows["compute-2"].Disabled || rows["compute-2"].DisabledReason != "kernel upgrade" || rows["compute-1"].Disabled {
		t.Fatalf("after disable: %+v", rows)
	}
	if out, code := run(t, "host", "enable", "compute-2", url); code != exitOK {
		t.Fatalf("enable: exit %d: %s", code, out)
	}
	rows = hostRows(t, url)
	if rows["compute-2"].Disabled || rows["compute-2"].DisabledReason != "" {
		t.Fatalf("after enable: %+v", rows["compute-2"])
	}
	out, code = run(t, "host", "disable", "compute-9", url)
	if code != exitNotFound || !strings.Contains(out, `no compute host "compute-9"`) {
		t.Fatalf("unknown host: exit %d: %s", code, out)
	}
}

func hostRows(t *testing.T, url string) map[string]hostRow {
	t.Helper()
	out, code := run(t, "host", "list", "-o", "json", url)
	if code != exitOK {
		t.Fatalf("host list: exit %d: %s", code, out)
	}
	var rows []hostRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("host list json: %v\n%s", err, out)
	}
	m := map[string]hostRow{}
	for _, r := range rows {
		m[r.Host] = r
	}
	return m
}
