package objects

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
