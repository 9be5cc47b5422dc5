package hoststate

import (
	"math"
	"strings"
	"testing"
)

func TestAllocationRatiosValidate(t *testing.T) {
	cases := []struct {
		r    AllocationRatios
		want string // "" for valid
	}{
		{DefaultAllocationRatios(), ""},
		{AllocationRatios{}, ""},
		{AllocationRatios{CPU: -16}, "cpu_allocation_ratio -16 is negative"},
		{AllocationRatios{RAM: math.NaN()}, "ram_allocation_ratio NaN is not a finite number"},
		{AllocationRatios{Disk: math.Inf(1)}, "disk_allocation_ratio +Inf is not a finite number"},
	}
	for _, c := range cases {
		err := c.r.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", c.r, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: error %v, want one saying %q", c.r, err, c.want)
		}
	}
}
