package objects

// Flavor is the sizing an instance was built with, embedded in Instance and
// RequestSpec as in nova.
type Flavor struct {
	base[Flavor]
	ID          Field[int]               `obj:"id"`
	FlavorID    Field[string]            `obj:"flavorid"`
	Name        Field[string]            `obj:"name"`
	MemoryMB    Field[int]               `obj:"memory_mb"`
	VCPUs       Field[int]               `obj:"vcpus"`
	RootGB      Field[int]               `obj:"root_gb"`
	EphemeralGB Field[int]               `obj:"ephemeral_gb"`
	Swap        Field[int]               `obj:"swap"`
	ExtraSpecs  Field[map[string]string] `obj:"extra_specs"`
	Description Nullable[string]         `obj:"description,added=1.1"`
}

func init() {
	register[Flavor](spec{version: "1.1", history: []string{
		"1.0: Initial version",
		"1.1: Added description",
	}})
}
