package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/scheduler/weights"
)

func TestBindCompute(t *testing.T) {
	set := ForService(ServiceCompute)
	path := writeConf(t, "[DEFAULT]\nhost = cmp-7\nreserved_host_cpus = 2\n[libvirt]\nlive_migration_completion_timeout = 0\n")
	fs := flagsFor(t, set, "--live-migration-permit-post-copy", "--update-resources-interval=-1")
	v := mustLoad(t, set, Sources{Flags: fs, File: path, Env: []string{"NOVANATS_DEFAULT__CPU_ALLOCATION_RATIO=2.5"}})
	var got Compute
	if err := v.Bind(&got); err != nil {
		t.Fatal(err)
	}
	// nova's defaults, written out rather than taken from the code, so a
	// changed constant anywhere shows here.
	want := Compute{
		Common: Common{
			Host: "cmp-7", ReportInterval: 10 * time.Second, ServiceDownTime: 60 * time.Second,
			RPCResponseTimeout: 60 * time.Second, LongRPCTimeout: 1800 * time.Second,
			ExecutorThreadPoolSize: 64, RPCConnPoolSize: 30,
		},
		AllocationRatios:            AllocationRatios{CPUAllocationRatio: 2.5},
		InitialCPUAllocationRatio:   16.0,
		InitialRAMAllocationRatio:   1.5,
		InitialDiskAllocationRatio:  1.0,
		MaxConcurrentLiveMigrations: 1,
		ReservedHostMemoryMB:        512,
		ReservedHostCPUs:            2,
		UpdateResourcesInterval:     -time.Second,

		LiveMigrationDowntime:          500,
		LiveMigrationDowntimeSteps:     10,
		LiveMigrationDowntimeDelay:     75,
		LiveMigrationCompletionTimeout: 0,
		LiveMigrationTimeoutAction:     virt.TimeoutActionAbort,
		LiveMigrationPermitPostCopy:    true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bound\n %+v\nwant\n %+v", got, want)
	}
	mig := got.Migration()
	wantMig := virt.DefaultMigrationConfig()
	wantMig.CompletionTimeout, wantMig.PermitPostCopy = 0, true
	if mig != wantMig || !mig.PostCopyEnabled() {
		t.Errorf("Migration() = %+v; want %+v", mig, wantMig)
	}
	if sg, _ := got.ServiceGroup().Effective(); sg.ReportInterval != 10*time.Second || sg.ServiceDownTime != 60*time.Second {
		t.Errorf("ServiceGroup() = %+v", sg)
	}
}

func TestBindScheduler(t *testing.T) {
	set := ForService(ServiceScheduler)
	v := mustLoad(t, set, Sources{Env: []string{
		"NOVANATS_FILTER_SCHEDULER__HOST_SUBSET_SIZE=3",
		"NOVANATS_FILTER_SCHEDULER__RAM_WEIGHT_MULTIPLIER=-2",
		"NOVANATS_DEFAULT__DEFAULT_AVAILABILITY_ZONE=az1",
	}})
	var s Scheduler
	if err := v.Bind(&s); err != nil {
		t.Fatal(err)
	}
	if s.MaxAttempts != 3 || s.HostSubsetSize != 3 || s.ShuffleBestSameWeighedHosts || s.Filters().DefaultAvailabilityZone != "az1" {
		t.Errorf("bound %+v", s)
	}
	wantW := weights.DefaultOptions()
	wantW.RAMWeightMultiplier = -2
	if s.Weights() != wantW || s.Pick().HostSubsetSize != 3 {
		t.Errorf("Weights() = %+v, Pick() = %+v", s.Weights(), s.Pick())
	}
	if _, err := weights.New(s.WeightClasses, s.Weights()); err != nil {
		t.Errorf("bound weight_classes do not build: %v", err)
	}
	// Bound lists are the struct's own: editing one does not change the
	// next service's defaults.
	s.EnabledFilters[0] = "Edited"
	var again Scheduler
	if err := mustLoad(t, set, Sources{}).Bind(&again); err != nil || again.EnabledFilters[0] == "Edited" {
		t.Errorf("defaults changed through a bound list: %v %v", again.EnabledFilters, err)
	}
}

func TestConductorOverMaxRetries(t *testing.T) {
	for _, tc := range []struct {
		max, attempted int
		over           bool
	}{
		{UnlimitedRetries, 1, false},
		{UnlimitedRetries, 1000, false},
		{0, 1, false}, // one try, no retry
		{0, 2, true},
		{2, 3, false},
		{2, 4, true},
	} {
		c := Conductor{MigrateMaxRetries: tc.max}
		if got := c.OverMaxRetries(tc.attempted); got != tc.over {
			t.Errorf("max %d attempted %d: over = %v; want %v", tc.max, tc.attempted, got, tc.over)
		}
	}
	var c Conductor
	if err := mustLoad(t, ForService(ServiceConductor), Sources{}).Bind(&c); err != nil || c.MigrateMaxRetries != UnlimitedRetries || c.MaxAttempts != 3 {
		t.Errorf("conductor defaults %+v, %v", c, err)
	}
}

// Each service's struct binds exactly its Set: no option the service loads
// goes unread, and no field reads an option the service does not load.
func TestServiceStructsMatchTheirSets(t *testing.T) {
	for _, tc := range []struct {
		svc Service
		dst any
	}{
		{ServiceConductor, &Conductor{}},
		{ServiceScheduler, &Scheduler{}},
		{ServiceCompute, &Compute{}},
	} {
		set := ForService(tc.svc)
		if err := mustLoad(t, set, Sources{}).Bind(tc.dst); err != nil {
			t.Errorf("%s: %v", tc.svc, err)
		}
		var inSet []string
		for _, o := range set.Options() {
			inSet = append(inSet, o.Group+"."+o.Name)
		}
		tags := tagsOf(reflect.TypeOf(tc.dst).Elem())
		slices.Sort(inSet)
		slices.Sort(tags)
		if !slices.Equal(inSet, tags) {
			t.Errorf("%s: set %v\n struct tags %v", tc.svc, inSet, tags)
		}
	}
}

func tagsOf(t reflect.Type) []string {
	var tags []string
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, ok := f.Tag.Lookup(tagName); ok {
			tags = append(tags, tag)
		} else if f.Anonymous {
			tags = append(tags, tagsOf(f.Type)...)
		}
	}
	return tags
}

func TestBindErrors(t *testing.T) {
	v := mustLoad(t, ForService(ServiceConductor), Sources{})
	for _, tc := range []struct {
		name string
		dst  any
		want string
	}{
		{"not a pointer", Conductor{}, "pointer to a struct"},
		{"nil", (*Conductor)(nil), "pointer to a struct"},
		{"not in set", &struct {
			D int `nova:"libvirt.live_migration_downtime"`
		}{}, "option [libvirt] live_migration_downtime is not in this set"},
		{"wrong type", &struct {
			W float64 `nova:"conductor.workers"`
		}{}, "field of type float64 cannot hold a int"},
		{"seconds into int", &struct {
			R int `nova:"DEFAULT.report_interval"`
		}{}, "cannot hold a time.Duration"},
		{"unexported", &struct {
			w int `nova:"conductor.workers"`
		}{}, "not exported"},
	} {
		err := v.Bind(tc.dst)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.name, err, tc.want)
		}
	}
	// A named type with the option's underlying type binds.
	var named struct {
		A virt.TimeoutAction `nova:"DEFAULT.host"`
	}
	if err := v.Bind(&named); err != nil || named.A == "" {
		t.Errorf("named string type: %v %q", err, named.A)
	}
}
