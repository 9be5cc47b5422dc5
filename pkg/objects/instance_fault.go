package objects

import (
	"fmt"
	"unicode/utf8"
)

// InstanceFault records why an instance went to ERROR: the message and code
// shown to the user, and details (a traceback) for the operator.
type InstanceFault struct {
	base[InstanceFault]
	ID           Field[int]       `obj:"id"`
	InstanceUUID Field[string]    `obj:"instance_uuid,uuid"`
	Code         Field[int]       `obj:"code"`
	Message      Nullable[string] `obj:"message"`
	Details      Nullable[string] `obj:"details"`
	Host         Nullable[string] `obj:"host"`
	Persistent
}

func init() {
	register[InstanceFault](spec{version: "1.0", history: []string{
		"1.0: Initial version",
	}})
}

// NewInstanceFault is nova's add_instance_fault_from_exc: code 500 (nova's
// for anything that is not a client error), message for the user cut to at
// most maxMessage bytes on a rune boundary (nova's safe_truncate), and the
// cause's whole chain as details for the operator, recorded by host.
func NewInstanceFault(instanceUUID, host, message string, maxMessage int, cause error) *InstanceFault {
	f := new(InstanceFault)
	f.InstanceUUID.Set(instanceUUID)
	f.Code.Set(500)
	f.Message.Set(truncateUTF8(message, maxMessage))
	f.Details.Set(fmt.Sprintf("%+v", cause))
	f.Host.Set(host)
	return f
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
