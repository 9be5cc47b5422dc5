package filters

import (
	"strings"
	"testing"

	"github.com/novanats/novanats/services/scheduler/hoststate"
)

func TestRamFilter(t *testing.T) {
	cases := []struct {
		name             string
		total, free, req int
		ratio            float64
	}{
		{"fits without overcommit", 8192, 4096, 2048, 1.0},
		{"exactly fits", 8192, 2048, 2048, 1.0},
		{"one MB short", 8192, 2047, 2048, 1.0},
		{"fits only thanks to 1.5 ratio", 8192, 0, 4096, 1.5},
		{"ratio not enough", 8192, 0, 4097, 1.5},
		{"negative free (already oversubscribed)", 8192, -1024, 2048, 1.5},
		{"negative free beyond ratio", 8192, -4096, 1, 1.5},
		{"bigger than the host itself, even with room by ratio", 4096, 4096, 4097, 2.0},
		{"zero request", 1024, 0, 0, 1.0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := host("h")
			h.TotalUsableRAMMB, h.FreeRAMMB, h.RAMAllocationRatio = c.total, c.free, c.ratio
			// nova: total >= req and total*ratio - (total - free) >= req
			limit := float64(c.total) * c.ratio
			want := c.total >= c.req && limit-float64(c.total-c.free) >= float64(c.req)

			got := RamFilter{}.HostPasses(h, specFor(flavor(c.req, 1, 0, 0, 0)))
			if got != want {
				t.Fatalf("HostPasses = %v, want %v (usable %v)", got, want, limit-float64(c.total-c.free))
			}
			if want && (h.Limits.MemoryMB != hoststate.Limit{Value: limit, Set: true}) {
				t.Errorf("memory limit = %+v, want %v", h.Limits.MemoryMB, limit)
			}
			if !want {
				if h.Limits.MemoryMB.Set {
					t.Errorf("a rejected host got a memory limit %+v", h.Limits.MemoryMB)
				}
				if why := (RamFilter{}).Explain(h, specFor(flavor(c.req, 1, 0, 0, 0))); !strings.Contains(why, "usable ram") {
					t.Errorf("Explain = %q", why)
				}
			}
		})
	}
}

func TestCoreFilter(t *testing.T) {
	cases := []struct {
		name             string
		total, used, req int
		ratio            float64
	}{
		{"plenty", 8, 0, 4, 16},
		{"exactly the ratio's ceiling", 8, 124, 4, 16},
		{"one over the ceiling", 8, 125, 4, 16},
		{"no overcommit", 4, 2, 2, 1},
		{"no overcommit, full", 4, 3, 2, 1},
		{"more vcpus than the host has, though the ratio has room", 4, 0, 5, 16},
		{"fractional ratio", 10, 10, 5, 1.5},
		{"fractional ratio short", 10, 11, 5, 1.5},
		{"host reports no vcpus: fail safe", 0, 0, 64, 16},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := host("h")
			h.VCPUsTotal, h.VCPUsUsed, h.CPUAllocationRatio = c.total, c.used, c.ratio
			limit := float64(c.total) * c.ratio
			var want bool
			switch {
			case c.total == 0:
				want = true
			case c.req > c.total:
				want = false
			default:
				want = limit-float64(c.used) >= float64(c.req)
			}
			s := specFor(flavor(512, c.req, 0, 0, 0))
			if got := (CoreFilter{}).HostPasses(h, s); got != want {
				t.Fatalf("HostPasses = %v, want %v", got, want)
			}
			// nova records the vcpu limit whenever it is positive,
			// pass or fail.
			if wantSet := limit > 0; h.Limits.VCPU.Set != wantSet || (wantSet && h.Limits.VCPU.Value != limit) {
				t.Errorf("vcpu limit = %+v, want %v set=%v", h.Limits.VCPU, limit, wantSet)
			}
			if !want {
				if why := (CoreFilter{}).Explain(h, s); !strings.Contains(why, "cpus") {
					t.Errorf("Explain = %q", why)
				}
			}
		})
	}
}

func TestDiskFilter(t *testing.T) {
	cases := []struct {
		name           string
		localGB        int
		freeMB         int
		ratio          float64
		root, eph, swp int
		bfv            bool
	}{
		{"fits", 100, 50 * 1024, 1.0, 20, 0, 0, false},
		{"swap counts", 100, 20 * 1024, 1.0, 20, 0, 1, false},
		{"ephemeral counts", 100, 25 * 1024, 1.0, 20, 6, 0, false},
		{"exactly fits with swap", 100, 20*1024 + 512, 1.0, 20, 0, 512, false},
		{"fits by ratio", 100, 0, 2.0, 50, 0, 0, false},
		{"short by ratio", 100, 0, 2.0, 101, 0, 0, false},
		{"bigger than the disk itself", 100, 100 * 1024, 3.0, 101, 0, 0, false},
		{"boot from volume needs only ephemeral", 100, 5 * 1024, 1.0, 80, 5, 0, true},
		{"boot from volume, ephemeral too big", 100, 5 * 1024, 1.0, 80, 6, 0, true},
		{"negative free (disk_available_least)", 100, -10 * 1024, 1.0, 1, 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := host("h")
			h.TotalUsableDiskGB, h.FreeDiskMB, h.DiskAllocationRatio = c.localGB, c.freeMB, c.ratio
			s := specFor(flavor(512, 1, c.root, c.eph, c.swp))
			s.IsBFV.Set(c.bfv)

			root := c.root
			if c.bfv {
				root = 0
			}
			requested := 1024*(root+c.eph) + c.swp
			totalMB := c.localGB * 1024
			limitMB := float64(totalMB) * c.ratio
			usable := limitMB - float64(totalMB-c.freeMB)
			want := totalMB >= requested && usable >= float64(requested)

			if got := (DiskFilter{}).HostPasses(h, s); got != want {
				t.Fatalf("HostPasses = %v, want %v (requested %d, usable %v)", got, want, requested, usable)
			}
			if want && (h.Limits.DiskGB != hoststate.Limit{Value: limitMB / 1024, Set: true}) {
				t.Errorf("disk limit = %+v, want %v GB", h.Limits.DiskGB, limitMB/1024)
			}
			if !want {
				if h.Limits.DiskGB.Set {
					t.Errorf("a rejected host got a disk limit")
				}
				if why := (DiskFilter{}).Explain(h, s); !strings.Contains(why, "disk") {
					t.Errorf("Explain = %q", why)
				}
			}
		})
	}
}

// A spec without a flavor asks for nothing and fits anywhere.
func TestResourceFiltersWithoutFlavor(t *testing.T) {
	h := host("h")
	h.FreeRAMMB, h.FreeDiskMB, h.VCPUsUsed = 0, 0, h.VCPUsTotal*16
	s := specFor(nil)
	for _, f := range []Filter{RamFilter{}, CoreFilter{}, DiskFilter{}} {
		if !f.HostPasses(h, s) {
			t.Errorf("%s rejected a request for nothing", f.Name())
		}
	}
}
