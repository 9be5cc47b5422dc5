package filters

import (
	"fmt"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/scheduler/hoststate"
)

// DiskFilter passes hosts with enough local disk after oversubscription
// (nova's DiskFilter), with requested = 1024 × (root_gb + ephemeral_gb) +
// swap in MB (root left out for boot-from-volume):
//
//	local_gb × 1024 ≥ requested                  (no overcommit against itself)
//	local_gb × 1024 × disk_allocation_ratio − used ≥ requested
//
// where used = local_gb × 1024 − free_disk_mb. It records the limit in GB.
type DiskFilter struct{}

func (DiskFilter) Name() string { return "DiskFilter" }

func (DiskFilter) HostPasses(host *hoststate.HostState, spec *objects.RequestSpec) bool {
	req := hoststate.RequestFrom(spec).DiskMB()
	if host.TotalUsableDiskMB() < req {
		return false
	}
	if host.UsableDiskMB() < float64(req) {
		return false
	}
	host.Limits.DiskGB = hoststate.Limit{Value: host.DiskLimitMB() / 1024, Set: true}
	return true
}

func (DiskFilter) Explain(host *hoststate.HostState, spec *objects.RequestSpec) string {
	req := hoststate.RequestFrom(spec).DiskMB()
	if host.TotalUsableDiskMB() < req {
		return fmt.Sprintf("does not have %d MB usable disk space before overcommit, it only has %d MB",
			req, host.TotalUsableDiskMB())
	}
	return fmt.Sprintf("does not have %d MB usable disk, it only has %s MB usable disk",
		req, num(host.UsableDiskMB()))
}
