package objects

import "time"

// Service is one running nova-* process (binary) on a host, with its
// heartbeat (report_count, last_seen_up) and the service version that tells
// peers which RPC and object versions it speaks.
type Service struct {
	base[Service]
	ID               Field[int]          `obj:"id"`
	UUID             Field[string]       `obj:"uuid,uuid"`
	Host             Nullable[string]    `obj:"host"`
	Binary           Nullable[string]    `obj:"binary"`
	Topic            Nullable[string]    `obj:"topic"`
	ReportCount      Field[int]          `obj:"report_count"`
	Disabled         Field[bool]         `obj:"disabled"`
	DisabledReason   Nullable[string]    `obj:"disabled_reason"`
	AvailabilityZone Nullable[string]    `obj:"availability_zone"`
	ForcedDown       Field[bool]         `obj:"forced_down,default=false"`
	LastSeenUp       Nullable[time.Time] `obj:"last_seen_up"`
	Version          Field[int]          `obj:"version"`
	Persistent
}

func init() {
	register[Service](spec{version: "1.0", history: []string{
		"1.0: Initial version",
	}})
}
