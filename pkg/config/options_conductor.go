package config

// The conductor's options: nova/conf/conductor.py.
var conductorOptions = []*Option{
	{
		// nova's default is None: one worker per CPU. Here 0 says that, and
		// Load replaces it with the CPU count so --print-config shows it.
		Group: "conductor", Name: "workers", Kind: Int, Default: 0, Min: limit(0),
		Help:     "Number of conductor workers; 0 is one per CPU",
		Services: ServiceConductor,
	},
	{
		Group: DefaultGroup, Name: "migrate_max_retries", Kind: Int, Min: limit(UnlimitedRetries),
		Default:  UnlimitedRetries,
		Help:     "Times to retry a live migration on another host before failing; -1 retries until no host is left, 0 tries once",
		Services: ServiceConductor,
	},
}
