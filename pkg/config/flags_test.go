package config

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// --help lists each option with its type, nova's name and nova's default,
// including the zero defaults pflag would leave out.
func TestFlagHelpShowsNovaDefaults(t *testing.T) {
	help := flagsFor(t, ForService(AllServices)).FlagUsages()
	for _, want := range []string{
		`--live-migration-completion-timeout int\s+Seconds per GiB .* \(\[libvirt\] live_migration_completion_timeout\) \(default 800\)`,
		`--live-migration-downtime int\s+.*\(\[libvirt\] live_migration_downtime\) \(default 500\)`,
		`--live-migration-bandwidth int\s+.*\(default 0\)`,
		`--live-migration-timeout-action string\s+.*\(default "abort"\)`,
		`--live-migration-permit-post-copy\s+.*\(\[libvirt\] live_migration_permit_post_copy\) \(default false\)`,
		`--report-interval seconds\s+.*\(\[DEFAULT\] report_interval\) \(default 10\)`,
		`--service-down-time seconds\s+.*\(default 60\)`,
		`--migrate-max-retries int\s+.*\(default -1\)`,
		`--initial-cpu-allocation-ratio float\s+.*\(default 16\.0\)`,
		`--cpu-allocation-ratio float\s+.*\(default 0\.0\)`,
		`--max-attempts int\s+.*\(\[scheduler\] max_attempts\) \(default 3\)`,
		`--enabled-filters list\s+.*\(default ComputeFilter,AvailabilityZoneFilter,`,
		`--weight-classes list\s+.*\(default all_weighers\)`,
		`--config-file string\s+nova.conf-style INI file`,
	} {
		if !regexp.MustCompile(want).MatchString(help) {
			t.Errorf("help has no line matching %s", want)
		}
	}
	// Every option appears once, with its default exactly once.
	for _, o := range Catalog().Options() {
		line := regexp.MustCompile(`(?m)^\s+--` + regexp.QuoteMeta(o.FlagName()) + `\b.*$`).FindString(help)
		if strings.Count(line, "(default ") != 1 {
			t.Errorf("help line of %s shows %d defaults: %q", o, strings.Count(line, "(default "), line)
		}
	}
}

func TestFlagSpellings(t *testing.T) {
	set := ForService(ServiceCompute)
	for _, args := range [][]string{
		{"--live-migration-downtime=700"},
		{"--live_migration_downtime=700"}, // nova's spelling
		{"--live_migration-downtime", "700"},
	} {
		v := mustLoad(t, set, Sources{Flags: flagsFor(t, set, args...)})
		got := mustGet(t, v, "libvirt", "live_migration_downtime")
		if got.Value != 700 || got.Source.String() != "flag --live-migration-downtime" {
			t.Errorf("%q: downtime %v from %s; want 700 from flag --live-migration-downtime", args, got.Value, got.Source)
		}
	}
}

func TestBoolFlags(t *testing.T) {
	set := ForService(ServiceCompute)
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"--live-migration-permit-post-copy"}, true}, // alone means true
		{[]string{"--live-migration-permit-post-copy=yes"}, true},
		{[]string{"--live-migration-permit-post-copy=off"}, false},
		{nil, false},
	} {
		env := []string{"NOVANATS_LIBVIRT__LIVE_MIGRATION_PERMIT_POST_COPY=" + map[bool]string{true: "0", false: "1"}[tc.want]}
		if tc.args == nil {
			env = nil
		}
		v := mustLoad(t, set, Sources{Flags: flagsFor(t, set, tc.args...), Env: env})
		if got := mustGet(t, v, "libvirt", "live_migration_permit_post_copy").Value; got != tc.want {
			t.Errorf("%q: post copy = %v; want %v", tc.args, got, tc.want)
		}
	}
}

// The way a service command will use the package: cobra parses, help shows
// the options, RunE loads and binds.
func TestCobraCommand(t *testing.T) {
	var got Compute
	set := ForService(ServiceCompute)
	cmd := &cobra.Command{
		Use: "compute",
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := set.Load(quiet(Sources{Flags: cmd.Flags(), Env: []string{"NOVANATS_DEFAULT__HOST=env-host"}}))
			if err != nil {
				return err
			}
			return v.Bind(&got)
		},
	}
	set.RegisterFlags(cmd.Flags())
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"--max_concurrent_live_migrations=4", "--live-migration-timeout-action", "force_complete"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("execute: %v\n%s", err, out.String())
	}
	if got.MaxConcurrentLiveMigrations != 4 || got.LiveMigrationTimeoutAction != "force_complete" || got.Host != "env-host" {
		t.Errorf("bound %+v", got)
	}

	out.Reset()
	cmd.SetArgs([]string{"--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "--max-concurrent-live-migrations int") || !strings.Contains(out.String(), "(default 1)") {
		t.Errorf("cobra help lacks the options:\n%s", out.String())
	}

	out.Reset()
	cmd.SetArgs([]string{"--report-interval=often"})
	err := cmd.Execute()
	if err == nil || !strings.Contains(err.Error(), `"often" is not a whole number of seconds`) || !strings.Contains(err.Error(), "--report-interval") {
		t.Errorf("bad flag through cobra: %v", err)
	}
}
