package virt

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// Expected schedules were computed outside Go by running nova's
// downtime_steps formula (Python 3) on the same inputs:
//
//	delay = int(delay * data_gb); base = downtime / steps
//	offset = (downtime - base) / steps
//	[(int(delay * i), int(base + offset * i)) for i in range(steps + 1)]
func TestDowntimeStepsMatchesNova(t *testing.T) {
	tests := []struct {
		name                   string
		downtime, steps, delay int
		dataGiB                float64
		want                   []DowntimeStep
	}{
		{
			name: "nova defaults, 2 GiB floor", downtime: 500, steps: 10, delay: 75, dataGiB: 2,
			want: []DowntimeStep{{0, 50}, {150, 95}, {300, 140}, {450, 185}, {600, 230}, {750, 275},
				{900, 320}, {1050, 365}, {1200, 410}, {1350, 455}, {1500, 500}},
		},
		{
			name: "nova docstring example", downtime: 400, steps: 10, delay: 30, dataGiB: 3,
			want: []DowntimeStep{{0, 40}, {90, 76}, {180, 112}, {270, 148}, {360, 184}, {450, 220},
				{540, 256}, {630, 292}, {720, 328}, {810, 364}, {900, 400}},
		},
		{
			name: "fractional GiB truncates the delay", downtime: 500, steps: 10, delay: 75, dataGiB: 2.9296875,
			want: []DowntimeStep{{0, 50}, {219, 95}, {438, 140}, {657, 185}, {876, 230}, {1095, 275},
				{1314, 320}, {1533, 365}, {1752, 410}, {1971, 455}, {2190, 500}},
		},
		{
			// The last step is 102.99999999999999 in IEEE doubles, so nova
			// never quite reaches 103 ms: int() truncates.
			name: "float rounding quirk kept", downtime: 103, steps: 10, delay: 3, dataGiB: 2,
			want: []DowntimeStep{{0, 10}, {6, 19}, {12, 28}, {18, 38}, {24, 47}, {30, 56}, {36, 65}, {42, 75}, {48, 84}, {54, 93}, {60, 102}},
		},
		{
			name: "truncation like Python int()", downtime: 333, steps: 7, delay: 11, dataGiB: 4.7,
			want: []DowntimeStep{{0, 47}, {51, 88}, {102, 129}, {153, 169}, {204, 210}, {255, 251}, {306, 292}, {357, 333}},
		},
		{
			name: "below nova minimums are raised to 100 ms, 3 steps, 3 s", downtime: 50, steps: 1, delay: 1, dataGiB: 2,
			want: []DowntimeStep{{0, 33}, {6, 55}, {12, 77}, {18, 100}},
		},
		{
			name: "no data: every step at once", downtime: 500, steps: 3, delay: 75, dataGiB: 0,
			want: []DowntimeStep{{0, 166}, {0, 277}, {0, 388}, {0, 500}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DowntimeSteps(tt.downtime, tt.steps, tt.delay, tt.dataGiB)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DowntimeSteps(%d, %d, %d, %v)\n got %v\nwant %v", tt.downtime, tt.steps, tt.delay, tt.dataGiB, got, tt.want)
			}
		})
	}
}

func TestDowntimeStepsRejectsBadDataSize(t *testing.T) {
	for _, v := range []float64{-1, nan(), inf()} {
		if _, err := DowntimeSteps(500, 10, 75, v); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("DowntimeSteps(data %v) error = %v, want ErrInvalidInput", v, err)
		}
	}
}

func TestDowntimeScheduleUsesConfig(t *testing.T) {
	got, err := DefaultMigrationConfig().DowntimeSchedule(2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 11 || got[1] != (DowntimeStep{150, 95}) || got[10] != (DowntimeStep{1500, 500}) {
		t.Errorf("default schedule = %v", got)
	}
}

func TestMigrationDataGiB(t *testing.T) {
	tests := []struct {
		memMB int
		disks []int64
		want  float64
	}{
		{512, nil, 2},                 // RAM counted as at least 2 GiB
		{4096, nil, 4},                //
		{3000, nil, 2.9296875},        // 3000 MiB / 1024
		{4096, []int64{1 << 30}, 6},   // small disk counted as 2 GiB
		{4096, []int64{10 << 30}, 14}, //
		{2048, []int64{0, 3 << 30}, 2 + 2 + 3},
	}
	for _, tt := range tests {
		got, err := MigrationDataGiB(tt.memMB, tt.disks)
		if err != nil || got != tt.want {
			t.Errorf("MigrationDataGiB(%d, %v) = %v, %v; want %v", tt.memMB, tt.disks, got, err, tt.want)
		}
	}
	if _, err := MigrationDataGiB(0, nil); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("zero memory: err = %v", err)
	}
	if _, err := MigrationDataGiB(1024, []int64{-1}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("negative disk: err = %v", err)
	}
}

func TestUpdateDowntime(t *testing.T) {
	steps := []DowntimeStep{{0, 50}, {150, 95}, {300, 140}}
	tests := []struct {
		elapsed     time.Duration
		current     int
		want        int
		wantChanged bool
	}{
		{0, DowntimeUnset, DowntimeUnset, false},          // nova: elapsed > 0 is false, no step yet
		{500 * time.Millisecond, DowntimeUnset, 50, true}, // first tick after start
		{500 * time.Millisecond, 50, 50, false},           // unchanged
		{150 * time.Second, 50, 50, false},                // the mark itself is not passed
		{150*time.Second + time.Millisecond, 50, 95, true},
		{time.Hour, 95, 140, true}, // beyond the last step stays at the last
		{time.Hour, 140, 140, false},
	}
	for _, tt := range tests {
		got, changed := UpdateDowntime(steps, tt.elapsed, tt.current)
		if got != tt.want || changed != tt.wantChanged {
			t.Errorf("UpdateDowntime(%s, %d) = %d, %v; want %d, %v", tt.elapsed, tt.current, got, changed, tt.want, tt.wantChanged)
		}
	}
}

// A step of 0 ms (more steps than milliseconds) is still applied, as nova
// compares against None, not 0.
func TestUpdateDowntimeAppliesZeroStep(t *testing.T) {
	steps, err := DowntimeSteps(100, 200, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if steps[0].DowntimeMs != 0 {
		t.Fatalf("first step %d ms, want 0", steps[0].DowntimeMs)
	}
	if got, changed := UpdateDowntime(steps, time.Second, DowntimeUnset); got != 0 || !changed {
		t.Errorf("UpdateDowntime = %d, %v; want 0 ms applied", got, changed)
	}
}

func TestCompletionTimeout(t *testing.T) {
	tests := []struct {
		perGiB int
		data   float64
		want   time.Duration
	}{
		{800, 2, 1600 * time.Second},
		{800, 2.9296875, 2343 * time.Second}, // int(2343.75)
		{800, 4.7, 3760 * time.Second},
		{0, 4, 0}, // disabled
	}
	for _, tt := range tests {
		if got := CompletionTimeout(tt.perGiB, tt.data); got != tt.want {
			t.Errorf("CompletionTimeout(%d, %v) = %s, want %s", tt.perGiB, tt.data, got, tt.want)
		}
	}
}

func TestShouldTriggerTimeoutAction(t *testing.T) {
	const timeout = 1600 * time.Second
	tests := []struct {
		elapsed, timeout time.Duration
		postCopy         bool
		want             bool
	}{
		{timeout, timeout, false, false}, // strictly greater, as nova
		{timeout + time.Millisecond, timeout, false, true},
		{timeout + time.Hour, timeout, true, false}, // never in post-copy
		{time.Hour * 100, 0, false, false},          // 0 disables
	}
	for _, tt := range tests {
		if got := ShouldTriggerTimeoutAction(tt.elapsed, tt.timeout, tt.postCopy); got != tt.want {
			t.Errorf("ShouldTriggerTimeoutAction(%s, %s, %v) = %v, want %v", tt.elapsed, tt.timeout, tt.postCopy, got, tt.want)
		}
	}
}

func TestForceCompleteActionFor(t *testing.T) {
	tests := []struct {
		permitted, inPostCopy bool
		want                  ForceCompleteAction
	}{
		{true, false, ForceCompletePostCopy},
		{false, false, ForceCompletePause},
		{true, true, ForceCompleteNothing},
		{false, true, ForceCompleteNothing},
	}
	for _, tt := range tests {
		if got := ForceCompleteActionFor(tt.permitted, tt.inPostCopy); got != tt.want {
			t.Errorf("ForceCompleteActionFor(%v, %v) = %s, want %s", tt.permitted, tt.inPostCopy, got, tt.want)
		}
	}
}

func TestAutoConvergeOnlyWithoutPostCopy(t *testing.T) {
	c := DefaultMigrationConfig()
	if c.AutoConvergeEnabled() || c.PostCopyEnabled() {
		t.Fatal("nova defaults enable neither auto-converge nor post-copy")
	}
	c.PermitAutoConverge = true
	if !c.AutoConvergeEnabled() {
		t.Error("auto-converge permitted alone should be enabled")
	}
	c.PermitPostCopy = true
	if c.AutoConvergeEnabled() {
		t.Error("auto-converge must be off when post-copy is permitted")
	}
}

func TestShouldSwitchToPostCopy(t *testing.T) {
	tests := []struct {
		iteration     int
		cur, prev     int64
		postCopy      bool
		want          bool
		justification string
	}{
		{1, 100, 1000, false, false, "first pass never switches"},
		{2, 950, 1000, false, true, "5% progress"},
		{2, 905, 1000, false, false, "9.5% rounds half to even to 10%: not below 10"},
		{2, 915, 1000, false, true, "8.5% rounds to 8%"},
		{3, 100, 1000, false, false, "90% progress"},
		{3, 990, 1000, true, false, "already in post-copy"},
		{3, 0, 0, false, false, "nothing remained"},
	}
	for _, tt := range tests {
		if got := ShouldSwitchToPostCopy(tt.iteration, tt.cur, tt.prev, tt.postCopy); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.justification, got, tt.want)
		}
	}
}

func TestMigrationConfigValidate(t *testing.T) {
	if err := DefaultMigrationConfig().Validate(); err != nil {
		t.Fatalf("nova defaults rejected: %v", err)
	}
	d := DefaultMigrationConfig()
	if d.DowntimeMs != 500 || d.DowntimeSteps != 10 || d.DowntimeDelay != 75 || d.CompletionTimeout != 800 ||
		d.TimeoutAction != TimeoutActionAbort || d.PermitPostCopy || d.PermitAutoConverge || d.BandwidthMiBps != 0 {
		t.Errorf("defaults differ from nova's: %+v", d)
	}
	tests := []struct {
		mutate func(*MigrationConfig)
		option string
	}{
		{func(c *MigrationConfig) { c.DowntimeMs = 99 }, "live_migration_downtime"},
		{func(c *MigrationConfig) { c.DowntimeSteps = 2 }, "live_migration_downtime_steps"},
		{func(c *MigrationConfig) { c.DowntimeDelay = 2 }, "live_migration_downtime_delay"},
		{func(c *MigrationConfig) { c.CompletionTimeout = -1 }, "live_migration_completion_timeout"},
		{func(c *MigrationConfig) { c.TimeoutAction = "retry" }, "live_migration_timeout_action"},
		{func(c *MigrationConfig) { c.BandwidthMiBps = -5 }, "live_migration_bandwidth"},
	}
	for _, tt := range tests {
		c := DefaultMigrationConfig()
		tt.mutate(&c)
		err := c.Validate()
		if !errors.Is(err, ErrInvalidInput) || !contains(err.Error(), tt.option) {
			t.Errorf("Validate() = %v, want ErrInvalidInput naming %s", err, tt.option)
		}
	}
	c := DefaultMigrationConfig()
	c.CompletionTimeout = 0
	if err := c.Validate(); err != nil {
		t.Errorf("completion timeout 0 (disabled) rejected: %v", err)
	}
}
