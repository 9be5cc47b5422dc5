package hoststate

import "github.com/novanats/novanats/pkg/objects"

// Request is what one instance of a RequestSpec asks of a host, read from
// its flavor as nova's RequestSpec properties (memory_mb, vcpus, root_gb,
// ephemeral_gb, swap) do.
type Request struct {
	MemoryMB    int
	VCPUs       int
	RootGB      int
	EphemeralGB int
	SwapMB      int
	// IsBFV is set for a boot-from-volume instance, whose root disk lives
	// on a volume and so takes no local disk.
	IsBFV bool
}

// RequestFrom reads the per-instance request of spec. A spec without a
// flavor asks for nothing, as nova's CoreFilter treated a request without
// an instance_type: there is nothing to check.
func RequestFrom(spec *objects.RequestSpec) Request {
	if spec == nil {
		return Request{}
	}
	r := Request{IsBFV: spec.IsBFV.Get()}
	if f := spec.Flavor.Get(); f != nil {
		r.MemoryMB = f.MemoryMB.Get()
		r.VCPUs = f.VCPUs.Get()
		r.RootGB = f.RootGB.Get()
		r.EphemeralGB = f.EphemeralGB.Get()
		r.SwapMB = f.Swap.Get()
	}
	return r
}

// LocalRootGB is the root disk the instance puts on the host's local disk:
// none when it boots from volume. nova's placement request
// (resources_from_request_spec) drops root_gb for is_bfv the same way; the
// old DiskFilter predates is_bfv and would have counted a volume as local
// disk.
func (r Request) LocalRootGB() int {
	if r.IsBFV {
		return 0
	}
	return r.RootGB
}

// DiskMB is the local disk the DiskFilter checks for, nova's
// requested_disk: 1024 × (root_gb + ephemeral_gb) + swap, swap being in MB.
func (r Request) DiskMB() int {
	return 1024*(r.LocalRootGB()+r.EphemeralGB) + r.SwapMB
}

// ConsumedDiskMB is the local disk ConsumeFromRequest takes off the host:
// (root_gb + ephemeral_gb) × 1024 without swap, as nova's
// consume_from_request does. It matches how the compute's resource tracker
// counts local_gb_used, which is what the next ComputeNode report will say.
func (r Request) ConsumedDiskMB() int {
	return 1024 * (r.LocalRootGB() + r.EphemeralGB)
}
