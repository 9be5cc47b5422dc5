package objects

// ComputeNode is one hypervisor's inventory and usage as its compute service
// reports it; the scheduler reads it to place instances.
type ComputeNode struct {
	base[ComputeNode]
	ID                  Field[int]       `obj:"id"`
	UUID                Field[string]    `obj:"uuid,uuid,required"`
	ServiceID           Nullable[int]    `obj:"service_id"`
	Host                Nullable[string] `obj:"host"`
	HypervisorType      Field[string]    `obj:"hypervisor_type"`
	HypervisorVersion   Field[int]       `obj:"hypervisor_version"`
	HypervisorHostname  Nullable[string] `obj:"hypervisor_hostname"`
	VCPUs               Field[int]       `obj:"vcpus"`
	VCPUsUsed           Field[int]       `obj:"vcpus_used"`
	MemoryMB            Field[int]       `obj:"memory_mb"`
	MemoryMBUsed        Field[int]       `obj:"memory_mb_used"`
	FreeRAMMB           Nullable[int]    `obj:"free_ram_mb"`
	LocalGB             Field[int]       `obj:"local_gb"`
	LocalGBUsed         Field[int]       `obj:"local_gb_used"`
	FreeDiskGB          Nullable[int]    `obj:"free_disk_gb"`
	DiskAvailableLeast  Nullable[int]    `obj:"disk_available_least"`
	CurrentWorkload     Nullable[int]    `obj:"current_workload"`
	RunningVMs          Nullable[int]    `obj:"running_vms"`
	HostIP              Nullable[string] `obj:"host_ip,ip"`
	CPUInfo             Field[string]    `obj:"cpu_info"`
	CPUAllocationRatio  Field[float64]   `obj:"cpu_allocation_ratio"`
	RAMAllocationRatio  Field[float64]   `obj:"ram_allocation_ratio"`
	DiskAllocationRatio Field[float64]   `obj:"disk_allocation_ratio"`
	Persistent
}

func init() {
	register[ComputeNode](spec{version: "1.0", history: []string{
		"1.0: Initial version",
	}})
}
