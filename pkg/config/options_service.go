package config

import (
	"os"

	"github.com/novanats/novanats/pkg/servicegroup"
)

// Who a service is and how it shows it is alive: nova/conf/netconf.py
// (host) and nova/conf/service.py.
//
// Unlike nova, report_interval cannot be 0: nova reads 0 as "never report",
// but here the periodic report is the only proof of life, and
// pkg/servicegroup would read 0 as its default instead.
var serviceOptions = []*Option{
	{
		Group: DefaultGroup, Name: "host", Kind: String, Default: hostname(),
		Help:     "Name of this host, for its RPC server and its service record; nova defaults it to the machine's host name",
		Services: AllServices,
	},
	{
		Group: DefaultGroup, Name: "report_interval", Kind: Seconds, Min: limit(1),
		Default:  servicegroup.DefaultReportInterval,
		Help:     "Seconds between a service's reports that it is alive",
		Services: AllServices,
	},
	{
		Group: DefaultGroup, Name: "service_down_time", Kind: Seconds, Min: limit(1),
		Default:  servicegroup.DefaultServiceDownTime,
		Help:     "Seconds after its last report that a service counts as down; raised to 2.5 x report_interval if not longer than it",
		Services: AllServices,
	},
}

// hostname is nova's host default, socket.gethostname().
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}
