package exception

import "fmt"

// ObjectActionError is nova's ObjectActionError: an object method refused
// to run (create on an object that has an id, save without its key, a
// primitive that does not decode). Nothing was written.
type ObjectActionError struct {
	Action string `msgpack:"action"`
	Reason string `msgpack:"reason"`
}

func (e *ObjectActionError) Error() string {
	return fmt.Sprintf("Object action %s failed because: %s", e.Action, e.Reason)
}
