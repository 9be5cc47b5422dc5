package weights

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestNewAllWeighers(t *testing.T) {
	o := Options{RAMWeightMultiplier: 2, CPUWeightMultiplier: -1, DiskWeightMultiplier: 0.5, NumInstancesWeightMultiplier: -3}
	ws, err := New([]string{AllWeighers}, o)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, w := range ws {
		got[w.Name()] = w.Multiplier()
	}
	want := map[string]float64{"RAMWeigher": 2, "CPUWeigher": -1, "DiskWeigher": 0.5, "NumInstancesWeigher": -3}
	if len(got) != len(want) {
		t.Fatalf("weighers %v, want %v", got, want)
	}
	for n, m := range want {
		if got[n] != m {
			t.Errorf("%s multiplier %v, want %v", n, got[n], m)
		}
	}
}

func TestNewNamedWeighers(t *testing.T) {
	ws, err := New([]string{" DiskWeigher", "RAMWeigher"}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 || ws[0].Name() != "DiskWeigher" || ws[1].Name() != "RAMWeigher" {
		t.Errorf("weighers %v", ws)
	}
	if !slices.IsSorted(Names()) || len(Names()) != 4 {
		t.Errorf("Names() = %v", Names())
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		names []string
		opts  Options
		want  string
	}{
		{[]string{"RAMWeigher", "IoOpsWeigher", "ramweigher"}, DefaultOptions(),
			"scheduler weigher IoOpsWeigher, ramweigher could not be found"},
		{[]string{""}, DefaultOptions(), "empty weigher name"},
		{[]string{AllWeighers, "CPUWeigher"}, DefaultOptions(), "selects weigher CPUWeigher twice"},
		{[]string{AllWeighers}, Options{RAMWeightMultiplier: math.NaN()}, "ram_weight_multiplier NaN is not a finite number"},
		{[]string{AllWeighers}, Options{DiskWeightMultiplier: math.Inf(-1)}, "disk_weight_multiplier -Inf is not a finite number"},
	}
	for _, c := range cases {
		_, err := New(c.names, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q, %+v) error %v, want one saying %q", c.names, c.opts, err, c.want)
		}
	}
	_, err := New([]string{"Nope"}, DefaultOptions())
	var unknown *UnknownWeigherError
	if !errors.As(err, &unknown) || !slices.Equal(unknown.Names, []string{"Nope"}) {
		t.Errorf("error %v is not an UnknownWeigherError naming Nope", err)
	}
}

func TestNegativeMultiplierIsValid(t *testing.T) {
	if _, err := New(DefaultWeightClasses(), Options{RAMWeightMultiplier: -1.0}); err != nil {
		t.Errorf("stacking (negative multiplier) rejected: %v", err)
	}
}
