package filters

import (
	"fmt"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// HypervisorTypeExtraSpec is the flavor extra spec that asks for a
// hypervisor type. It is the key nova's ComputeCapabilitiesFilter reads for
// this host attribute ("capabilities:" scope + HostState.hypervisor_type),
// so flavors written for nova work unchanged.
const HypervisorTypeExtraSpec = "capabilities:hypervisor_type"

// HypervisorTypeFilter passes hosts whose hypervisor type satisfies the
// flavor's capabilities:hypervisor_type extra spec, e.g. "QEMU", or with
// nova's extra-spec operators "<or> QEMU <or> KVM", "s!= ironic". A plain
// value must match exactly, as in nova (libvirt reports "QEMU"). Without
// the extra spec every host passes.
//
// nova also matches an image's img_hv_type in ImagePropertiesFilter; our
// RequestSpec carries no image yet, so the flavor is the one source.
type HypervisorTypeFilter struct{}

func (HypervisorTypeFilter) Name() string { return "HypervisorTypeFilter" }

func (HypervisorTypeFilter) HostPasses(host *hoststate.HostState, spec *objects.RequestSpec) bool {
	req, ok := requestedHypervisorType(spec)
	if !ok {
		return true
	}
	// nova's capabilities filter fails a host that lacks the attribute.
	if host.HypervisorType == "" {
		return false
	}
	return matchExtraSpec(host.HypervisorType, req)
}

func (HypervisorTypeFilter) Explain(host *hoststate.HostState, spec *objects.RequestSpec) string {
	req, _ := requestedHypervisorType(spec)
	return fmt.Sprintf("hypervisor type %q does not match %s %q",
		host.HypervisorType, HypervisorTypeExtraSpec, req)
}

// RunFilterOncePerRequest: neither the flavor nor a host's hypervisor
// changes within a request.
func (HypervisorTypeFilter) RunFilterOncePerRequest() bool { return true }

func requestedHypervisorType(spec *objects.RequestSpec) (string, bool) {
	f := spec.Flavor.Get()
	if f == nil {
		return "", false
	}
	req, ok := f.ExtraSpecs.Get()[HypervisorTypeExtraSpec]
	return req, ok
}
