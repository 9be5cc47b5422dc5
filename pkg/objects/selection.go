package objects

// Selection is one host the scheduler picked, with the resource claim it
// made; select_destinations returns a list of them per instance (the first
// is the choice, the rest alternates for retries).
type Selection struct {
	base[Selection]
	ComputeNodeUUID          Field[string]              `obj:"compute_node_uuid,uuid"`
	ServiceHost              Field[string]              `obj:"service_host,required"`
	Nodename                 Field[string]              `obj:"nodename,required"`
	CellUUID                 Field[string]              `obj:"cell_uuid,uuid"`
	Limits                   Nullable[*SchedulerLimits] `obj:"limits"`
	AllocationRequest        Nullable[string]           `obj:"allocation_request"`
	AllocationRequestVersion Nullable[string]           `obj:"allocation_request_version"`
	AvailabilityZone         Nullable[string]           `obj:"availability_zone,added=1.1"`
}

func init() {
	register[Selection](spec{version: "1.1", history: []string{
		"1.0: Initial version",
		"1.1: Added availability_zone",
	}})
}
