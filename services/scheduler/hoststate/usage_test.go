package hoststate

import "testing"

// The expected values are written as nova's formulas over the test's own
// inputs, so a change in the arithmetic fails here.
func TestUsageArithmetic(t *testing.T) {
	cases := []struct {
		name  string
		n     node
		least *int
	}{
		{"defaults", baseNode(), nil},
		{"custom ratios", func() node { n := baseNode(); n.cpuRatio, n.ramRatio, n.diskRatio = 3, 1.1, 2.5; return n }(), nil},
		{"oversubscribed ram (negative free)", func() node { n := baseNode(); n.freeRAM = -2048; return n }(), nil},
		{"disk_available_least below free", baseNode(), intp(30)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.n.least = c.least
			h := mustNew(t, c.n, Service{Up: true}, "")
			ramRatio, cpuRatio, diskRatio := ratioOr(c.n.ramRatio, 1.5), ratioOr(c.n.cpuRatio, 16), ratioOr(c.n.diskRatio, 1.0)

			ramLimit := float64(c.n.memMB) * ramRatio
			ramUsed := c.n.memMB - c.n.freeRAM
			vcpuLimit := float64(c.n.vcpus) * cpuRatio
			freeDiskGB := c.n.freeDisk
			if c.least != nil && *c.least < freeDiskGB {
				freeDiskGB = *c.least
			}
			diskTotalMB := c.n.localGB * 1024
			diskLimit := float64(diskTotalMB) * diskRatio
			diskUsed := diskTotalMB - freeDiskGB*1024

			checks := []struct {
				name      string
				got, want float64
			}{
				{"RAMLimitMB", h.RAMLimitMB(), ramLimit},
				{"UsedRAMMB", float64(h.UsedRAMMB()), float64(ramUsed)},
				{"UsableRAMMB", h.UsableRAMMB(), ramLimit - float64(ramUsed)},
				{"VCPULimit", h.VCPULimit(), vcpuLimit},
				{"FreeVCPUs", h.FreeVCPUs(), vcpuLimit - float64(c.n.vcpusUsed)},
				{"TotalUsableDiskMB", float64(h.TotalUsableDiskMB()), float64(diskTotalMB)},
				{"DiskLimitMB", h.DiskLimitMB(), diskLimit},
				{"UsedDiskMB", float64(h.UsedDiskMB()), float64(diskUsed)},
				{"UsableDiskMB", h.UsableDiskMB(), diskLimit - float64(diskUsed)},
			}
			for _, k := range checks {
				if k.got != k.want {
					t.Errorf("%s = %v, want %v", k.name, k.got, k.want)
				}
			}
		})
	}
}

func ratioOr(v, def float64) float64 {
	if v > 0 {
		return v
	}
	return def
}
