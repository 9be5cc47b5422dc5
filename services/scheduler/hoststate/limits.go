package hoststate

import "github.com/novanats/novanats/pkg/objects"

// Limit is one oversubscription ceiling; Set is false until a filter
// computed it (nova's limits dict simply lacks the key).
type Limit struct {
	Value float64
	Set   bool
}

// Limits are the ceilings the resource filters computed for a host (nova's
// host_state.limits), passed to the compute in the Selection so its claim
// enforces the same oversubscription the scheduler allowed.
type Limits struct {
	VCPU     Limit // CoreFilter: vcpus × cpu_allocation_ratio
	MemoryMB Limit // RamFilter: memory_mb × ram_allocation_ratio
	DiskGB   Limit // DiskFilter: local disk × disk_allocation_ratio, in GB
}

// Object converts to the SchedulerLimits sent in a Selection. The object's
// fields are integers, and oslo's IntegerField coerces a float with int(),
// which truncates toward zero: so does this.
func (l Limits) Object() *objects.SchedulerLimits {
	o := new(objects.SchedulerLimits)
	for _, c := range []struct {
		lim Limit
		dst *objects.Nullable[int]
	}{
		{l.VCPU, &o.VCPU},
		{l.MemoryMB, &o.MemoryMB},
		{l.DiskGB, &o.DiskGB},
	} {
		if c.lim.Set {
			c.dst.Set(int(c.lim.Value))
		} else {
			c.dst.SetNull()
		}
	}
	return o
}
