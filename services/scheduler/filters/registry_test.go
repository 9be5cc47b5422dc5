package filters

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNewBuildsNamedFiltersInOrder(t *testing.T) {
	names := []string{"RamFilter", " ComputeFilter ", "AvailabilityZoneFilter"}
	fs, err := New(names, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Name())
	}
	if want := []string{"RamFilter", "ComputeFilter", "AvailabilityZoneFilter"}; !slices.Equal(got, want) {
		t.Errorf("filters %v, want %v", got, want)
	}
	// An empty default zone in Options means nova's.
	if az := fs[2].(AvailabilityZoneFilter); az.DefaultZone != "nova" {
		t.Errorf("default zone %q, want nova", az.DefaultZone)
	}
	if fs, _ := New([]string{"AvailabilityZoneFilter"}, Options{DefaultAvailabilityZone: "az0"}); fs[0].(AvailabilityZoneFilter).DefaultZone != "az0" {
		t.Error("configured default zone not passed on")
	}
}

func TestNewKnowsEveryDefaultAndListedName(t *testing.T) {
	for _, list := range [][]string{DefaultEnabledFilters(), Names()} {
		fs, err := New(list, DefaultOptions())
		if err != nil {
			t.Fatalf("New(%v): %v", list, err)
		}
		for i, f := range fs {
			if f.Name() != list[i] {
				t.Errorf("filter built for %q is named %q", list[i], f.Name())
			}
		}
	}
	if !slices.IsSorted(Names()) {
		t.Error("Names() is not sorted")
	}
}

func TestNewRejectsBadNames(t *testing.T) {
	cases := []struct {
		names []string
		want  []string
	}{
		{[]string{"RamFilter", "NUMATopologyFilter", "ramfilter"},
			[]string{"scheduler host filter NUMATopologyFilter, ramfilter could not be found", "available: AvailabilityZoneFilter"}},
		{[]string{"RamFilter", ""}, []string{"empty filter name"}},
		{[]string{"RamFilter", "CoreFilter", "RamFilter "}, []string{"names filter RamFilter twice"}},
	}
	for _, c := range cases {
		_, err := New(c.names, DefaultOptions())
		if err == nil {
			t.Errorf("New(%q) succeeded", c.names)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("New(%q) error %q does not say %q", c.names, err, w)
			}
		}
	}
	_, err := New([]string{"Nope"}, DefaultOptions())
	var unknown *UnknownFilterError
	if !errors.As(err, &unknown) || !slices.Equal(unknown.Names, []string{"Nope"}) {
		t.Errorf("error %v is not an UnknownFilterError naming Nope", err)
	}
}

func TestNewEmptyListIsValid(t *testing.T) {
	fs, err := New(nil, DefaultOptions())
	if err != nil || len(fs) != 0 {
		t.Errorf("New(nil) = %v, %v", fs, err)
	}
}
