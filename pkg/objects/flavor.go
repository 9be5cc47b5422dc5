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

// NewFlavor is the flavor the CLI, the demo cloud and the tests boot with:
// flavorid and name both name, the given vCPUs, memory and root disk, no
// ephemeral disk or swap, and extra_specs set to an empty map (as nova's
// flavors always carry it), so that every such flavor is built one way.
// A caller that needs more (a description, extra specs, a flavorid other
// than the name) sets it on the result.
func NewFlavor(name string, vcpus, memoryMB, rootGB int) *Flavor {
	f := new(Flavor)
	f.FlavorID.Set(name)
	f.Name.Set(name)
	f.VCPUs.Set(vcpus)
	f.MemoryMB.Set(memoryMB)
	f.RootGB.Set(rootGB)
	f.EphemeralGB.Set(0)
	f.Swap.Set(0)
	f.ExtraSpecs.Set(map[string]string{})
	return f
}
