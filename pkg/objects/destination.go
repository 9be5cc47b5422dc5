package objects

// Destination is a host (and optionally node) the caller wants the scheduler
// to use, e.g. `live-migrate --host`. The scheduler still checks it fits.
type Destination struct {
	base[Destination]
	Host       Field[string]      `obj:"host,required"`
	Node       Nullable[string]   `obj:"node"`
	Aggregates Nullable[[]string] `obj:"aggregates,added=1.1,default=null"`
}

func init() {
	register[Destination](spec{version: "1.1", history: []string{
		"1.0: Initial version",
		"1.1: Added aggregates",
	}})
}
