package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The catalog against nova's definitions: name, section, type, default,
// minimum and the services that read it. Written out by hand from
// nova/conf/*.py and oslo.messaging, so a default that drifts anywhere in
// the code base (they come from the packages implementing them) fails here.
func TestCatalogMatchesNova(t *testing.T) {
	const (
		C   = ServiceConductor
		S   = ServiceScheduler
		X   = ServiceCompute
		All = AllServices
	)
	none := "-"
	want := []struct {
		option string // [group] name
		kind   Kind
		def    string
		min    string
		svc    Service
	}{
		{"[DEFAULT] cpu_allocation_ratio", Float, "0.0", "0.0", X | S},
		{"[DEFAULT] default_availability_zone", String, "nova", none, S},
		{"[DEFAULT] disk_allocation_ratio", Float, "0.0", "0.0", X | S},
		{"[DEFAULT] executor_thread_pool_size", Int, "64", "1", All},
		{"[DEFAULT] host", String, hostname(), none, All},
		{"[DEFAULT] initial_cpu_allocation_ratio", Float, "16.0", "0.0", X},
		{"[DEFAULT] initial_disk_allocation_ratio", Float, "1.0", "0.0", X},
		{"[DEFAULT] initial_ram_allocation_ratio", Float, "1.5", "0.0", X},
		{"[DEFAULT] long_rpc_timeout", Seconds, "1800", "1", All},
		{"[DEFAULT] max_concurrent_live_migrations", Int, "1", "0", X},
		{"[DEFAULT] migrate_max_retries", Int, "-1", "-1", C},
		{"[DEFAULT] ram_allocation_ratio", Float, "0.0", "0.0", X | S},
		{"[DEFAULT] report_interval", Seconds, "10", "1", All},
		{"[DEFAULT] reserved_host_cpus", Int, "0", "0", X},
		{"[DEFAULT] reserved_host_disk_mb", Int, "0", "0", X},
		{"[DEFAULT] reserved_host_memory_mb", Int, "512", "0", X},
		{"[DEFAULT] rpc_conn_pool_size", Int, "30", "1", All},
		{"[DEFAULT] rpc_response_timeout", Seconds, "60", "1", All},
		{"[DEFAULT] service_down_time", Seconds, "60", "1", All},
		{"[DEFAULT] update_resources_interval", Seconds, "0", none, X},
		{"[conductor] workers", Int, "0", "0", C},
		{"[filter_scheduler] cpu_weight_multiplier", Float, "1.0", none, S},
		{"[filter_scheduler] disk_weight_multiplier", Float, "1.0", none, S},
		{"[filter_scheduler] enabled_filters", List, "ComputeFilter,AvailabilityZoneFilter,HypervisorTypeFilter,RamFilter,CoreFilter,DiskFilter", none, S},
		{"[filter_scheduler] host_subset_size", Int, "1", "1", S},
		{"[filter_scheduler] num_instances_weight_multiplier", Float, "0.0", none, S},
		{"[filter_scheduler] ram_weight_multiplier", Float, "1.0", none, S},
		{"[filter_scheduler] shuffle_best_same_weighed_hosts", Bool, "false", none, S},
		{"[filter_scheduler] weight_classes", List, "all_weighers", none, S},
		{"[libvirt] live_migration_bandwidth", Int, "0", "0", X},
		{"[libvirt] live_migration_completion_timeout", Int, "800", "0", X},
		{"[libvirt] live_migration_downtime", Int, "500", "100", X},
		{"[libvirt] live_migration_downtime_delay", Int, "75", "3", X},
		{"[libvirt] live_migration_downtime_steps", Int, "10", "3", X},
		{"[libvirt] live_migration_permit_auto_converge", Bool, "false", none, X},
		{"[libvirt] live_migration_permit_post_copy", Bool, "false", none, X},
		{"[libvirt] live_migration_timeout_action", String, "abort", none, X},
		{"[scheduler] max_attempts", Int, "3", "1", S | C},
	}
	opts := Catalog().Options()
	if len(opts) != len(want) {
		t.Errorf("catalog has %d options, the table %d", len(opts), len(want))
	}
	for i, o := range opts {
		if i >= len(want) {
			t.Errorf("extra option %s", o)
			continue
		}
		w := want[i]
		min := none
		if o.Min != nil {
			min = o.formatBound(*o.Min)
		}
		if o.String() != w.option || o.Kind != w.kind || o.Kind.format(o.Default) != w.def || min != w.min || o.Services != w.svc {
			t.Errorf("catalog[%d] = %s %s default %q min %s for %s;\n       want %s %s default %q min %s for %s",
				i, o, o.Kind, o.Kind.format(o.Default), min, o.Services, w.option, w.kind, w.def, w.min, w.svc)
		}
		if o.Help == "" || strings.Contains(o.Help, "\n") {
			t.Errorf("%s: help must be one line", o)
		}
	}
	if choices := mustOption(t, "libvirt", "live_migration_timeout_action").Choices; fmt.Sprint(choices) != "[abort force_complete]" {
		t.Errorf("live_migration_timeout_action choices %v", choices)
	}
}

func mustOption(t *testing.T, group, name string) *Option {
	t.Helper()
	o, ok := Catalog().Lookup(group, name)
	if !ok {
		t.Fatalf("no option [%s] %s", group, name)
	}
	return o
}

func TestNamesOfOptions(t *testing.T) {
	o := mustOption(t, "libvirt", "live_migration_completion_timeout")
	if o.FlagName() != "live-migration-completion-timeout" || o.EnvName() != "NOVANATS_LIBVIRT__LIVE_MIGRATION_COMPLETION_TIMEOUT" {
		t.Errorf("flag %q env %q", o.FlagName(), o.EnvName())
	}
	if env := mustOption(t, DefaultGroup, "report_interval").EnvName(); env != "NOVANATS_DEFAULT__REPORT_INTERVAL" {
		t.Errorf("env %q", env)
	}
	if got := (ServiceConductor | ServiceCompute).String(); got != "conductor,compute" {
		t.Errorf("services %q", got)
	}
}

func TestForService(t *testing.T) {
	for _, tc := range []struct {
		svc       Service
		has, lack []string
	}{
		{ServiceCompute, []string{"libvirt.live_migration_downtime", "DEFAULT.report_interval", "DEFAULT.cpu_allocation_ratio"},
			[]string{"filter_scheduler.enabled_filters", "conductor.workers"}},
		{ServiceScheduler, []string{"filter_scheduler.enabled_filters", "scheduler.max_attempts", "DEFAULT.cpu_allocation_ratio"},
			[]string{"libvirt.live_migration_downtime", "DEFAULT.initial_cpu_allocation_ratio"}},
		{ServiceConductor, []string{"conductor.workers", "DEFAULT.migrate_max_retries", "scheduler.max_attempts"},
			[]string{"DEFAULT.max_concurrent_live_migrations"}},
	} {
		set := ForService(tc.svc)
		has := func(k string) bool {
			group, name, _ := strings.Cut(k, ".")
			_, ok := set.Lookup(group, name)
			return ok
		}
		for _, k := range tc.has {
			if !has(k) {
				t.Errorf("%s lacks %s", tc.svc, k)
			}
		}
		for _, k := range tc.lack {
			if has(k) {
				t.Errorf("%s has %s", tc.svc, k)
			}
		}
	}
	if n, all := len(ForService(AllServices).Options()), len(Catalog().Options()); n != all {
		t.Errorf("all services' set has %d options, the catalog %d", n, all)
	}
}

func TestNewSetRejectsBadDeclarations(t *testing.T) {
	ok := func() *Option {
		return &Option{Group: "libvirt", Name: "x_opt", Kind: Int, Default: 1, Min: limit(0), Help: "h"}
	}
	for _, tc := range []struct {
		name string
		edit func(o *Option)
		want string
	}{
		{"wrong default type", func(o *Option) { o.Default = "1" }, "is not a int"},
		{"seconds default as int", func(o *Option) { o.Kind = Seconds }, "is not a time.Duration"},
		{"fractional seconds", func(o *Option) { o.Kind, o.Default = Seconds, 1500*time.Millisecond }, "not whole seconds"},
		{"below min", func(o *Option) { o.Default = -1 }, "default -1 is below its minimum 0"},
		{"clamped default below min", func(o *Option) { o.Default, o.ClampMin = -1, true }, "default -1 is below its minimum 0"},
		{"not a choice", func(o *Option) { o.Kind, o.Default, o.Min, o.Choices = String, "c", nil, []string{"a", "b"} }, "not one of"},
		{"upper case", func(o *Option) { o.Name = "X_Opt" }, "lower case"},
		{"double underscore", func(o *Option) { o.Name = "x__opt" }, "lower case"},
		{"mixed-case group", func(o *Option) { o.Group = "Default" }, "lower case"},
		{"no kind", func(o *Option) { o.Kind = 0 }, "unknown kind"},
	} {
		o := ok()
		tc.edit(o)
		if _, err := NewSet(o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.name, err, tc.want)
		}
	}
	dup := ok()
	if _, err := NewSet(ok(), dup); err == nil || !strings.Contains(err.Error(), "declared twice") {
		t.Errorf("duplicate: %v", err)
	}
	other := ok()
	other.Group = "conductor"
	if _, err := NewSet(ok(), other); err == nil || !strings.Contains(err.Error(), "share the flag --x-opt") {
		t.Errorf("flag clash: %v", err)
	}
	if s, err := NewSet(ok()); err != nil || len(s.Options()) != 1 {
		t.Errorf("valid declaration: %v", err)
	}
}

func TestBounds(t *testing.T) {
	o := &Option{Group: "dev", Name: "port", Kind: Int, Default: 8774, Min: limit(1), Max: limit(65535), Help: "h"}
	for raw, want := range map[string]string{
		"0":     "0 is below the minimum 1",
		"65536": "65536 is above the maximum 65535",
		"1":     "",
		"65535": "",
	} {
		_, err := o.parse(raw)
		if (err == nil) != (want == "") || err != nil && err.Error() != want {
			t.Errorf("parse(%q) error %v; want %q", raw, err, want)
		}
	}
	// A clamped option still enforces its maximum.
	o.ClampMin = true
	if _, err := o.parse("0"); err != nil {
		t.Errorf("clamped option refused a value below its minimum: %v", err)
	}
	if _, err := o.parse("70000"); err == nil {
		t.Error("clamped option accepted a value above its maximum")
	}
}

// A Set of options outside the catalog loads like any other; the catalog's
// options are still known, so a shared file naming them is fine.
func TestCustomSet(t *testing.T) {
	set, err := NewSet(&Option{Group: "dev", Name: "nodes", Kind: Int, Default: 2, Min: limit(1), Help: "Compute hosts to simulate"})
	if err != nil {
		t.Fatal(err)
	}
	path := writeConf(t, "[dev]\nnodes = 5\n[libvirt]\nlive_migration_downtime = 400\n")
	v := mustLoad(t, set, Sources{File: path})
	if got := mustGet(t, v, "dev", "nodes"); got.Value != 5 || len(v.All()) != 1 {
		t.Errorf("nodes = %v; values %v", got.Value, v.All())
	}
	_, err = set.Load(quiet(Sources{Env: []string{"NOVANATS_DEV__NODE=1"}}))
	wantConfigError(t, err, ErrUnknownOption, "env NOVANATS_DEV__NODE", "did you mean [dev] nodes?")
}
