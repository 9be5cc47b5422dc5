package hoststate

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
)

func TestRequestDisk(t *testing.T) {
	cases := []struct {
		root, eph, swap int
		bfv             bool
	}{
		{20, 0, 0, false},
		{20, 10, 512, false},
		{20, 10, 512, true},
		{0, 0, 0, false},
	}
	for _, c := range cases {
		r := RequestFrom(spec(512, 1, c.root, c.eph, c.swap, c.bfv))
		root := c.root
		if c.bfv {
			root = 0
		}
		if want := 1024*(root+c.eph) + c.swap; r.DiskMB() != want {
			t.Errorf("%+v: DiskMB = %d, want %d", c, r.DiskMB(), want)
		}
		if want := 1024 * (root + c.eph); r.ConsumedDiskMB() != want {
			t.Errorf("%+v: ConsumedDiskMB = %d, want %d", c, r.ConsumedDiskMB(), want)
		}
	}
	if r := RequestFrom(nil); r != (Request{}) {
		t.Errorf("RequestFrom(nil) = %+v", r)
	}
	if r := RequestFrom(new(objects.RequestSpec)); r != (Request{}) {
		t.Errorf("RequestFrom(no flavor) = %+v", r)
	}
}
