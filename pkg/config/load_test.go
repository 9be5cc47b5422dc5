package config

import (
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Each source overrides the ones below it: flag > env > file > default.
func TestPrecedence(t *testing.T) {
	set := ForService(ServiceCompute)
	const env = "NOVANATS_DEFAULT__REPORT_INTERVAL"
	file := writeConf(t, "[DEFAULT]\n\nreport_interval = 20\n")
	for _, tc := range []struct {
		name               string
		file, env, flag    bool
		want               time.Duration
		wantKind           SourceKind
		wantWhere, wantSrc string
	}{
		{name: "default", want: 10 * time.Second, wantKind: FromDefault, wantSrc: "default"},
		{name: "file", file: true, want: 20 * time.Second, wantKind: FromFile, wantSrc: "file " + file + ":3"},
		{name: "env over file", file: true, env: true, want: 30 * time.Second, wantKind: FromEnv, wantSrc: "env " + env},
		{name: "flag over all", file: true, env: true, flag: true, want: 40 * time.Second, wantKind: FromFlag, wantSrc: "flag --report-interval"},
		{name: "flag over env", env: true, flag: true, want: 40 * time.Second, wantKind: FromFlag, wantSrc: "flag --report-interval"},
		{name: "flag over file", file: true, flag: true, want: 40 * time.Second, wantKind: FromFlag, wantSrc: "flag --report-interval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var src Sources
			var args []string
			if tc.file {
				src.File = file
			}
			if tc.env {
				src.Env = []string{"PATH=/bin", env + "=30"}
			}
			if tc.flag {
				args = []string{"--report-interval=40"}
			}
			src.Flags = flagsFor(t, set, args...)
			got := mustGet(t, mustLoad(t, set, src), DefaultGroup, "report_interval")
			if got.Value != tc.want || got.Source.Kind != tc.wantKind || got.Source.String() != tc.wantSrc {
				t.Errorf("report_interval = %v from %q; want %v from %q", got.Value, got.Source, tc.want, tc.wantSrc)
			}
			// An option no source set keeps its default whatever the others do.
			if other := mustGet(t, mustLoad(t, set, src), DefaultGroup, "rpc_response_timeout"); other.Value != 60*time.Second || other.Source.Kind != FromDefault {
				t.Errorf("rpc_response_timeout = %v from %s; want the default 60s", other.Value, other.Source)
			}
		})
	}
}

func TestUnknownOptionInFile(t *testing.T) {
	set := ForService(ServiceCompute)
	for _, tc := range []struct {
		name, text string
		sentinel   error
		parts      []string
	}{
		{"misspelt option", "[libvirt]\nlive_migration_downtim = 5\n", ErrUnknownOption,
			[]string{":2: [libvirt] live_migration_downtim: unknown option"}},
		{"dashes", "[libvirt]\n\nlive-migration-downtime = 500\n", ErrUnknownOption,
			[]string{":3: [libvirt] live-migration-downtime", "did you mean [libvirt] live_migration_downtime?"}},
		{"wrong section", "[DEFAULT]\nlive_migration_downtime = 500\n", ErrUnknownOption,
			[]string{":2: [DEFAULT] live_migration_downtime", "did you mean [libvirt] live_migration_downtime?"}},
		{"unknown section", "[DEFAULT]\nhost = a\n[libvirtt]\nx = 1\ny = 2\n", ErrUnknownSection,
			[]string{":3: [libvirtt]: unknown section (did you mean [libvirt]?)"}},
		{"section case", "[default]\nhost = a\n", ErrUnknownSection,
			[]string{":1: [default]: unknown section (did you mean [DEFAULT]?)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConf(t, tc.text)
			_, err := set.Load(quiet(Sources{File: path}))
			wantConfigError(t, err, tc.sentinel, append(tc.parts, "file "+path)...)
			if n := strings.Count(err.Error(), "\n") + 1; n != 1 {
				t.Errorf("%d errors reported, want 1 (an unknown section once, not per key): %v", n, err)
			}
		})
	}
}

func TestUnknownOptionInEnv(t *testing.T) {
	set := ForService(ServiceCompute)
	_, err := set.Load(quiet(Sources{Env: []string{"NOVANATS_LIBVIRT__LIVE_MIGRATION_DOWNTIM=5"}}))
	wantConfigError(t, err, ErrUnknownOption, "env NOVANATS_LIBVIRT__LIVE_MIGRATION_DOWNTIM", "[libvirt] live_migration_downtim",
		"did you mean [libvirt] live_migration_downtime?")

	_, err = set.Load(quiet(Sources{Env: []string{"NOVANATS_NOSUCH__THING=1"}}))
	wantConfigError(t, err, ErrUnknownOption, "env NOVANATS_NOSUCH__THING", "[nosuch] thing")

	// Variables without the group separator are not options.
	if _, err := set.Load(quiet(Sources{Env: []string{"NOVANATS_NATS_URL=nats://x", "NOVANATS_CONFIG_FILE=", "NOVANATSX__A=1"}})); err != nil {
		t.Errorf("non-option NOVANATS_ variables: %v", err)
	}
}

func TestUnknownFlag(t *testing.T) {
	fs := flagsFor(t, ForService(ServiceCompute))
	err := fs.Parse([]string{"--live-migration-downtim=5"})
	if err == nil || !strings.Contains(err.Error(), "unknown flag: --live-migration-downtim") {
		t.Errorf("parse error = %v; want pflag's unknown flag naming it", err)
	}
	// A flag of another service's option is unknown to this one.
	err = flagsFor(t, ForService(ServiceConductor)).Parse([]string{"--live-migration-downtime=500"})
	if err == nil || !strings.Contains(err.Error(), "unknown flag: --live-migration-downtime") {
		t.Errorf("conductor parsing a compute flag: %v; want unknown flag", err)
	}
}

// One nova.conf and one environment serve every service on a host: another
// service's options are not mistakes.
func TestOtherServicesOptionsIgnored(t *testing.T) {
	set := ForService(ServiceConductor)
	path := writeConf(t, "[libvirt]\nlive_migration_downtime = 900\n[filter_scheduler]\nhost_subset_size = 3\n")
	v := mustLoad(t, set, Sources{File: path, Env: []string{"NOVANATS_LIBVIRT__LIVE_MIGRATION_BANDWIDTH=10"}})
	if _, ok := v.Lookup("libvirt", "live_migration_downtime"); ok {
		t.Error("the conductor holds a compute option")
	}
}

func TestInvalidValues(t *testing.T) {
	set := ForService(AllServices)
	for _, tc := range []struct {
		name          string
		group, option string
		value         string
		problem       string
	}{
		{"not an integer", "libvirt", "live_migration_completion_timeout", "soon", `"soon" is not an integer`},
		{"below min", "libvirt", "live_migration_completion_timeout", "-1", "-1 is below the minimum 0"},
		{"seconds below min", DefaultGroup, "report_interval", "0", "0 is below the minimum 1"},
		{"not in choices", "libvirt", "live_migration_timeout_action", "pause", `"pause" is not one of: abort, force_complete`},
		{"not a bool", "libvirt", "live_migration_permit_post_copy", "sometimes", "not a boolean"},
		{"not a float", DefaultGroup, "cpu_allocation_ratio", "lots", "not a finite number"},
		{"negative ratio", DefaultGroup, "ram_allocation_ratio", "-1.5", "-1.5 is below the minimum 0.0"},
		{"unknown filter", "filter_scheduler", "enabled_filters", "ComputeFilter,NoSuchFilter", "NoSuchFilter could not be found"},
		{"unknown weigher", "filter_scheduler", "weight_classes", "RAMWeigher,Heavy", "Heavy could not be found"},
		{"retries below -1", DefaultGroup, "migrate_max_retries", "-2", "-2 is below the minimum -1"},
	} {
		o, ok := set.Lookup(tc.group, tc.option)
		if !ok {
			t.Fatalf("no option [%s] %s", tc.group, tc.option)
		}
		t.Run(tc.name+"/file", func(t *testing.T) {
			path := writeConf(t, "[DEFAULT]\n["+tc.group+"]\n"+tc.option+" = "+tc.value+"\n")
			_, err := set.Load(quiet(Sources{File: path}))
			wantConfigError(t, err, ErrInvalidValue, "file "+path+":3", o.String(), tc.problem)
		})
		t.Run(tc.name+"/env", func(t *testing.T) {
			_, err := set.Load(quiet(Sources{Env: []string{o.EnvName() + "=" + tc.value}}))
			wantConfigError(t, err, ErrInvalidValue, "env "+o.EnvName(), o.String(), tc.problem)
		})
		t.Run(tc.name+"/flag", func(t *testing.T) {
			fs := flagsFor(t, set)
			err := fs.Parse([]string{"--" + o.FlagName() + "=" + tc.value})
			for _, part := range []string{"--" + o.FlagName(), o.String(), tc.problem} {
				if err == nil || !strings.Contains(err.Error(), part) {
					t.Errorf("flag error %v does not mention %q", err, part)
				}
			}
		})
	}
}

// Every mistake is reported at once, so one restart fixes them all.
func TestAllMistakesReported(t *testing.T) {
	path := writeConf(t, "[DEFAULT]\nreport_interval = x\nnope = 1\n")
	_, err := ForService(ServiceCompute).Load(quiet(Sources{File: path, Env: []string{"NOVANATS_LIBVIRT__LIVE_MIGRATION_BANDWIDTH=-5"}}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{path + ":2: [DEFAULT] report_interval", path + ":3: [DEFAULT] nope", "env NOVANATS_LIBVIRT__LIVE_MIGRATION_BANDWIDTH"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q misses %q", err, want)
		}
	}
	if !errors.Is(err, ErrInvalidValue) || !errors.Is(err, ErrUnknownOption) {
		t.Errorf("joined error %v should match both sentinels", err)
	}
}

// A nova.conf written the way operators write them loads as nova would.
func TestNovaConf(t *testing.T) {
	path := writeConf(t, `# Generated by an installer, edited by hand.
[DEFAULT]
# heartbeat
report_interval = 15
service_down_time=90
reserved_host_memory_mb : 2048
cpu_allocation_ratio = 8
initial_disk_allocation_ratio = 1.5

[libvirt]
live_migration_permit_post_copy = yes
live_migration_permit_auto_converge = On
live_migration_timeout_action = "force_complete"
; deliberately off
live_migration_bandwidth = 0

[filter_scheduler]
enabled_filters = ComputeFilter,
    AvailabilityZoneFilter,
    RamFilter
weight_classes = RAMWeigher, CPUWeigher
ram_weight_multiplier = -1.0
shuffle_best_same_weighed_hosts = 1

[conductor]
workers = 4
`)
	v := mustLoad(t, ForService(AllServices), Sources{File: path})
	for _, tc := range []struct {
		group, name string
		want        any
	}{
		{DefaultGroup, "report_interval", 15 * time.Second},
		{DefaultGroup, "service_down_time", 90 * time.Second},
		{DefaultGroup, "reserved_host_memory_mb", 2048},
		{DefaultGroup, "cpu_allocation_ratio", 8.0},
		{DefaultGroup, "initial_disk_allocation_ratio", 1.5},
		{"libvirt", "live_migration_permit_post_copy", true},
		{"libvirt", "live_migration_permit_auto_converge", true},
		{"libvirt", "live_migration_timeout_action", "force_complete"},
		{"libvirt", "live_migration_bandwidth", 0},
		{"filter_scheduler", "enabled_filters", []string{"ComputeFilter", "AvailabilityZoneFilter", "RamFilter"}},
		{"filter_scheduler", "weight_classes", []string{"RAMWeigher", "CPUWeigher"}},
		{"filter_scheduler", "ram_weight_multiplier", -1.0},
		{"filter_scheduler", "shuffle_best_same_weighed_hosts", true},
		{"conductor", "workers", 4},
	} {
		if got := mustGet(t, v, tc.group, tc.name); !reflect.DeepEqual(got.Value, tc.want) {
			t.Errorf("[%s] %s = %#v; want %#v", tc.group, tc.name, got.Value, tc.want)
		}
	}
}

func TestListFromEnvAndFlag(t *testing.T) {
	set := ForService(ServiceScheduler)
	v := mustLoad(t, set, Sources{Env: []string{"NOVANATS_FILTER_SCHEDULER__ENABLED_FILTERS="}})
	if got := mustGet(t, v, "filter_scheduler", "enabled_filters").Value; !reflect.DeepEqual(got, []string{}) {
		t.Errorf("empty enabled_filters = %#v; want an empty list (every host passes)", got)
	}
	fs := flagsFor(t, set, "--enabled-filters", "ComputeFilter, RamFilter", "--weight-classes=all_weighers")
	v = mustLoad(t, set, Sources{Flags: fs})
	if got := mustGet(t, v, "filter_scheduler", "enabled_filters").Value; !reflect.DeepEqual(got, []string{"ComputeFilter", "RamFilter"}) {
		t.Errorf("enabled_filters from flag = %#v", got)
	}
}

// The live-migration downtime settings below nova's minimums are raised to
// them with a warning, not refused.
func TestClampMinimums(t *testing.T) {
	log, buf := logBuffer()
	path := writeConf(t, "[libvirt]\nlive_migration_downtime = 50\nlive_migration_downtime_steps = 1\nlive_migration_downtime_delay = 0\n")
	v := mustLoad(t, ForService(ServiceCompute), Sources{File: path, Logger: log})
	for _, tc := range []struct {
		name     string
		want     int
		wantNote string
	}{
		{"live_migration_downtime", 100, "raised from 50 to the minimum 100"},
		{"live_migration_downtime_steps", 3, "raised from 1 to the minimum 3"},
		{"live_migration_downtime_delay", 3, "raised from 0 to the minimum 3"},
	} {
		got := mustGet(t, v, "libvirt", tc.name)
		if got.Value != tc.want || got.Note != tc.wantNote || got.Source.Kind != FromFile {
			t.Errorf("%s = %v (%q, from %s); want %d (%q) from the file", tc.name, got.Value, got.Note, got.Source, tc.want, tc.wantNote)
		}
		if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "[libvirt] "+tc.name) {
			t.Errorf("no warning naming %s in log:\n%s", tc.name, buf)
		}
	}
	var c Compute
	if err := v.Bind(&c); err != nil {
		t.Fatalf("Bind after clamping: %v (virt's Validate must accept clamped values)", err)
	}
	// At the minimum nothing is clamped or logged.
	log, buf = logBuffer()
	v = mustLoad(t, ForService(ServiceCompute), Sources{Env: []string{"NOVANATS_LIBVIRT__LIVE_MIGRATION_DOWNTIME=100"}, Logger: log})
	if got := mustGet(t, v, "libvirt", "live_migration_downtime"); got.Value != 100 || got.Note != "" || buf.Len() != 0 {
		t.Errorf("downtime at the minimum: %v %q, log %q", got.Value, got.Note, buf)
	}
}

func TestServiceDownTimeRule(t *testing.T) {
	for _, tc := range []struct {
		report, down string
		want         time.Duration
		adjusted     bool
	}{
		{"10", "10", 25 * time.Second, true},
		{"10", "5", 25 * time.Second, true},
		{"3", "1", 7 * time.Second, true}, // nova's int(7.5)
		{"10", "11", 11 * time.Second, false},
		{"60", "", 150 * time.Second, true}, // against the default 60
	} {
		env := []string{"NOVANATS_DEFAULT__REPORT_INTERVAL=" + tc.report}
		if tc.down != "" {
			env = append(env, "NOVANATS_DEFAULT__SERVICE_DOWN_TIME="+tc.down)
		}
		log, buf := logBuffer()
		v := mustLoad(t, ForService(ServiceScheduler), Sources{Env: env, Logger: log})
		got := mustGet(t, v, DefaultGroup, "service_down_time")
		warned := strings.Contains(buf.String(), "service_down_time must be longer than report_interval")
		noted := strings.Contains(got.Note, "2.5 x report_interval")
		if got.Value != tc.want || warned != tc.adjusted || noted != tc.adjusted {
			t.Errorf("report %s down %q: service_down_time %v (note %q, warned %v); want %v adjusted %v",
				tc.report, tc.down, got.Value, got.Note, warned, tc.want, tc.adjusted)
		}
	}
}

func TestConductorWorkers(t *testing.T) {
	v := mustLoad(t, ForService(ServiceConductor), Sources{})
	if got := mustGet(t, v, "conductor", "workers"); got.Value != runtime.NumCPU() || got.Note == "" {
		t.Errorf("default workers = %v (%q); want %d, one per CPU", got.Value, got.Note, runtime.NumCPU())
	}
	v = mustLoad(t, ForService(ServiceConductor), Sources{Env: []string{"NOVANATS_CONDUCTOR__WORKERS=7"}})
	if got := mustGet(t, v, "conductor", "workers"); got.Value != 7 || got.Note != "" {
		t.Errorf("workers = %v (%q); want 7 as given", got.Value, got.Note)
	}
}

// The file is --config-file, else NOVANATS_CONFIG_FILE, else Sources.File.
func TestConfigFileChoice(t *testing.T) {
	set := ForService(ServiceCompute)
	byFlag := writeConf(t, "[DEFAULT]\nhost = by-flag\n")
	byEnv := writeConf(t, "[DEFAULT]\nhost = by-env\n")
	byDefault := writeConf(t, "[DEFAULT]\nhost = by-default\n")
	env := []string{ConfigFileEnv + "=" + byEnv}
	for _, tc := range []struct {
		src  Sources
		want string
	}{
		{Sources{Flags: flagsFor(t, set, "--config-file", byFlag), Env: env, File: byDefault}, "by-flag"},
		{Sources{Flags: flagsFor(t, set), Env: env, File: byDefault}, "by-env"},
		{Sources{Flags: flagsFor(t, set), File: byDefault}, "by-default"},
	} {
		if got := mustGet(t, mustLoad(t, set, tc.src), DefaultGroup, "host").Value; got != tc.want {
			t.Errorf("host = %v; want %s", got, tc.want)
		}
	}
	_, err := set.Load(quiet(Sources{File: "/nonexistent/nova.conf"}))
	if err == nil || !strings.Contains(err.Error(), "file /nonexistent/nova.conf") {
		t.Errorf("missing file: %v; want an error naming it", err)
	}
}
