package exception

import "github.com/novanats/novanats/pkg/rpc"

// NoValidHost is nova's NoValidHost: the scheduler found no host that can
// take the request (or not one for every instance of it). Reason says why;
// the scheduler puts the filter results in it, which hosts each filter
// removed, so an operator can see which constraint emptied the list.
type NoValidHost struct {
	Reason string `msgpack:"reason"`
}

func (e *NoValidHost) Error() string { return "No valid host was found. " + e.Reason }

// Registered in a file of its own so the scheduler's error lives next to
// its definition without touching the shared registration list.
func init() { rpc.RegisterError[*NoValidHost]("NoValidHost") }
