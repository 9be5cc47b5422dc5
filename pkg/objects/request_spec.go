package objects

// RequestSpec is what the scheduler is asked to place: the instance's flavor
// and constraints, and for a live migration with a target the requested
// destination.
type RequestSpec struct {
	base[RequestSpec]
	ID                   Field[int]             `obj:"id"`
	InstanceUUID         Field[string]          `obj:"instance_uuid,uuid,required"`
	ProjectID            Nullable[string]       `obj:"project_id"`
	UserID               Nullable[string]       `obj:"user_id"`
	AvailabilityZone     Nullable[string]       `obj:"availability_zone"`
	Flavor               Field[*Flavor]         `obj:"flavor"`
	NumInstances         Field[int]             `obj:"num_instances,default=1"`
	IgnoreHosts          Nullable[[]string]     `obj:"ignore_hosts"`
	ForceHosts           Nullable[[]string]     `obj:"force_hosts"`
	ForceNodes           Nullable[[]string]     `obj:"force_nodes"`
	RequestedDestination Nullable[*Destination] `obj:"requested_destination,default=null"`
	IsBFV                Field[bool]            `obj:"is_bfv"`
}

func init() {
	register[RequestSpec](spec{version: "1.0", history: []string{
		"1.0: Initial version",
	}})
}
