package hoststate

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
)

func TestConsumeFromRequest(t *testing.T) {
	cases := []struct {
		name                       string
		mem, vcpus, root, eph, swp int
		bfv                        bool
		times                      int
	}{
		{"one instance", 2048, 2, 20, 0, 0, false, 1},
		{"ephemeral and swap (swap not consumed)", 1024, 1, 10, 5, 512, false, 1},
		{"boot from volume takes no root disk", 4096, 4, 40, 2, 0, true, 1},
		{"three instances of one request", 1024, 1, 10, 0, 0, false, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := mustNew(t, baseNode(), Service{Up: true}, "")
			before := *h
			s := spec(c.mem, c.vcpus, c.root, c.eph, c.swp, c.bfv)
			for range c.times {
				h.ConsumeFromRequest(s)
			}
			root := c.root
			if c.bfv {
				root = 0
			}
			// nova: free_ram_mb -= memory_mb; free_disk_mb -=
			// (root_gb + ephemeral_gb) * 1024; vcpus_used += vcpus;
			// num_instances += 1; per instance.
			checks := []struct {
				name      string
				got, want int
			}{
				{"FreeRAMMB", h.FreeRAMMB, before.FreeRAMMB - c.times*c.mem},
				{"FreeDiskMB", h.FreeDiskMB, before.FreeDiskMB - c.times*(root+c.eph)*1024},
				{"VCPUsUsed", h.VCPUsUsed, before.VCPUsUsed + c.times*c.vcpus},
				{"NumInstances", h.NumInstances, before.NumInstances + c.times},
				{"TotalUsableRAMMB", h.TotalUsableRAMMB, before.TotalUsableRAMMB},
				{"VCPUsTotal", h.VCPUsTotal, before.VCPUsTotal},
				{"TotalUsableDiskGB", h.TotalUsableDiskGB, before.TotalUsableDiskGB},
			}
			for _, k := range checks {
				if k.got != k.want {
					t.Errorf("%s = %d, want %d", k.name, k.got, k.want)
				}
			}
		})
	}
}

// A host with room for one instance has none left after consuming it: the
// reason consume_from_request exists.
func TestConsumeMakesFullHostFull(t *testing.T) {
	n := baseNode()
	n.memMB, n.memUsed, n.freeRAM, n.ramRatio = 4096, 0, 4096, 1.0
	h := mustNew(t, n, Service{Up: true}, "")
	s := spec(4096, 1, 1, 0, 0, false)
	if h.UsableRAMMB() < 4096 {
		t.Fatalf("setup: usable %v", h.UsableRAMMB())
	}
	h.ConsumeFromRequest(s)
	if got := h.UsableRAMMB(); got != 0 {
		t.Errorf("usable RAM after consuming the whole host = %v, want 0", got)
	}
}

func TestConsumeWithoutFlavorCountsInstanceOnly(t *testing.T) {
	h := mustNew(t, baseNode(), Service{Up: true}, "")
	before := *h
	h.ConsumeFromRequest(new(objects.RequestSpec))
	if h.FreeRAMMB != before.FreeRAMMB || h.VCPUsUsed != before.VCPUsUsed || h.NumInstances != before.NumInstances+1 {
		t.Errorf("consuming a flavorless spec: %v, before %v", h, &before)
	}
}
