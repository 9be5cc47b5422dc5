package objects

// SchedulerLimits are the oversubscription ceilings the scheduler computed
// for a selected host, which the compute's claim must respect.
type SchedulerLimits struct {
	base[SchedulerLimits]
	VCPU     Nullable[int] `obj:"vcpu,default=null"`
	DiskGB   Nullable[int] `obj:"disk_gb,default=null"`
	MemoryMB Nullable[int] `obj:"memory_mb,default=null"`
}

func init() {
	register[SchedulerLimits](spec{version: "1.0", history: []string{
		"1.0: Initial version",
	}})
}
