package objects

// MigrationList is nova's MigrationList, e.g. the in-progress migrations of a
// host that a compute reconciles at start-up.
type MigrationList struct {
	base[MigrationList]
	Objects Field[[]*Migration] `obj:"objects"`
}

func init() {
	register[MigrationList](spec{version: "1.0", history: []string{
		"1.0: Initial version",
	}})
}
