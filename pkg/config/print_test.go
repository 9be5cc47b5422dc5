package config

import (
	"strings"
	"testing"
)

func TestPrint(t *testing.T) {
	set := ForService(ServiceCompute)
	path := writeConf(t, "[DEFAULT]\nreport_interval = 20\nservice_down_time = 20\n")
	fs := flagsFor(t, set, "--host=cmp-1", "--live-migration-timeout-action=force_complete")
	v := mustLoad(t, set, Sources{Flags: fs, File: path, Env: []string{"NOVANATS_LIBVIRT__LIVE_MIGRATION_DOWNTIME=50"}})
	var b strings.Builder
	if err := v.Print(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(set.Options())+1 {
		t.Fatalf("%d lines for %d options:\n%s", len(lines), len(set.Options()), b.String())
	}
	// Columns are aligned; compare with single spaces.
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if got := norm(lines[0]); got != "GROUP NAME VALUE SOURCE" {
		t.Errorf("header %q", got)
	}
	for _, want := range []string{
		"DEFAULT host cmp-1 flag --host",
		"DEFAULT report_interval 20 file " + path + ":2",
		"DEFAULT service_down_time 50 file " + path + ":3 (raised from 20 to 2.5 x report_interval)",
		"DEFAULT reserved_host_memory_mb 512 default",
		"DEFAULT cpu_allocation_ratio 0.0 default",
		"libvirt live_migration_downtime 100 env NOVANATS_LIBVIRT__LIVE_MIGRATION_DOWNTIME (raised from 50 to the minimum 100)",
		"libvirt live_migration_timeout_action force_complete flag --live-migration-timeout-action",
		"libvirt live_migration_permit_post_copy false default",
	} {
		found := false
		for _, l := range lines {
			found = found || norm(l) == want
		}
		if !found {
			t.Errorf("no line %q in:\n%s", want, b.String())
		}
	}
	// [DEFAULT] first, as in nova.conf, then the sections by name.
	if !strings.HasPrefix(lines[1], "DEFAULT") || !strings.HasPrefix(lines[len(lines)-1], "libvirt") {
		t.Errorf("order: first %q, last %q", lines[1], lines[len(lines)-1])
	}
}

func TestPrintQuotesHiddenValues(t *testing.T) {
	set := ForService(ServiceScheduler)
	v := mustLoad(t, set, Sources{Env: []string{"NOVANATS_DEFAULT__DEFAULT_AVAILABILITY_ZONE=", "NOVANATS_FILTER_SCHEDULER__ENABLED_FILTERS="}})
	var b strings.Builder
	if err := v.Print(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`default_availability_zone ""`, `enabled_filters ""`} {
		if !strings.Contains(strings.Join(strings.Fields(b.String()), " "), want) {
			t.Errorf("empty value not shown as \"\": want %q in\n%s", want, b.String())
		}
	}
}
