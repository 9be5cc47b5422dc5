package hoststate

// nova's resource arithmetic, shared by the filters (which compare it to a
// request) and the weighers. Each resource has a ceiling (total × ratio),
// a used amount, and what is left for new instances (ceiling − used). The
// results are float64 because the ratios are: nova compares the unrounded
// values, and so do we.

// RAMLimitMB is memory_mb × ram_allocation_ratio, the RamFilter's
// memory_mb_limit.
func (h *HostState) RAMLimitMB() float64 {
	return float64(h.TotalUsableRAMMB) * h.RAMAllocationRatio
}

// UsedRAMMB is total − free, what instances (and the host's reserve)
// take.
func (h *HostState) UsedRAMMB() int {
	return h.TotalUsableRAMMB - h.FreeRAMMB
}

// UsableRAMMB is what a new instance may still take: RAMLimitMB − used.
func (h *HostState) UsableRAMMB() float64 {
	return h.RAMLimitMB() - float64(h.UsedRAMMB())
}

// VCPULimit is vcpus × cpu_allocation_ratio, the CoreFilter's limit.
func (h *HostState) VCPULimit() float64 {
	return float64(h.VCPUsTotal) * h.CPUAllocationRatio
}

// FreeVCPUs is VCPULimit − vcpus_used; the CPUWeigher's weight too.
func (h *HostState) FreeVCPUs() float64 {
	return h.VCPULimit() - float64(h.VCPUsUsed)
}

// TotalUsableDiskMB is local_gb in MB.
func (h *HostState) TotalUsableDiskMB() int {
	return h.TotalUsableDiskGB * 1024
}

// DiskLimitMB is the local disk in MB × disk_allocation_ratio.
func (h *HostState) DiskLimitMB() float64 {
	return float64(h.TotalUsableDiskMB()) * h.DiskAllocationRatio
}

// UsedDiskMB is total − free, as the DiskFilter computes it (so
// disk_available_least, folded into FreeDiskMB, counts as used).
func (h *HostState) UsedDiskMB() int {
	return h.TotalUsableDiskMB() - h.FreeDiskMB
}

// UsableDiskMB is DiskLimitMB − used.
func (h *HostState) UsableDiskMB() float64 {
	return h.DiskLimitMB() - float64(h.UsedDiskMB())
}
