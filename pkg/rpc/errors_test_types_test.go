package rpc

import (
	"errors"
	"fmt"
)

// notFound is a typed error a service would register (nova's InstanceNotFound).
type notFound struct {
	InstanceID string `msgpack:"instance_id"`
}

func (e *notFound) Error() string { return "instance " + e.InstanceID + " could not be found" }

var errQuota = errors.New("quota exceeded")

func init() {
	RegisterError[*notFound]("InstanceNotFound")
	RegisterSentinel("QuotaExceeded", errQuota)
}

// failure picks the error the "fail" handler returns from its args.
func failure(a echoArgs) error {
	switch a.Text {
	case "notfound":
		return fmt.Errorf("looking up the instance: %w", &notFound{InstanceID: "uuid-" + fmt.Sprint(a.N)})
	case "quota":
		return fmt.Errorf("building: %w", errQuota)
	default:
		return errors.New("something unregistered went wrong")
	}
}
