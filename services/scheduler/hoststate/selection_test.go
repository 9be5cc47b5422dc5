package hoststate

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
)

func TestLimitsObjectTruncatesLikeOslo(t *testing.T) {
	mem := 1365 * 1.5 // 2047.5: oslo's int() keeps 2047 where rounding would give 2048
	l := Limits{
		VCPU:     Limit{Value: 8 * 16.0, Set: true},
		MemoryMB: Limit{Value: mem, Set: true},
	}
	o := l.Object()
	if v, ok := o.VCPU.Lookup(); !ok || v != 128 {
		t.Errorf("vcpu = %v,%v want 128", v, ok)
	}
	if v, ok := o.MemoryMB.Lookup(); !ok || v != 2047 {
		t.Errorf("memory_mb = %v,%v want 2047", v, ok)
	}
	if !o.DiskGB.IsNull() {
		t.Errorf("disk_gb not computed by any filter should be null")
	}
}

func TestSelectionFromHostState(t *testing.T) {
	h := mustNew(t, baseNode(), Service{Up: true}, "az1")
	h.CellUUID = "2a6c3b1e-7f0d-4b9a-8c1e-5d4f3a2b1c0d"
	h.Limits.DiskGB = Limit{Value: 100, Set: true}
	s := h.Selection()
	if s.ServiceHost.Get() != "cmp1" || s.Nodename.Get() != "cmp1.local" ||
		s.ComputeNodeUUID.Get() != h.UUID || s.CellUUID.Get() != h.CellUUID || s.AvailabilityZone.Get() != "az1" {
		t.Errorf("selection = %v", s)
	}
	if v, _ := s.Limits.Get().DiskGB.Lookup(); v != 100 {
		t.Errorf("selection disk limit = %v", v)
	}
	// The selection must be sendable: encode and decode it.
	p, err := s.ToPrimitive()
	if err != nil {
		t.Fatalf("ToPrimitive: %v", err)
	}
	back := new(objects.Selection)
	if err := back.ObjFromPrimitive(p); err != nil {
		t.Fatalf("ObjFromPrimitive: %v", err)
	}
	if back.ServiceHost.Get() != "cmp1" {
		t.Errorf("round trip lost service_host: %v", back)
	}
}
