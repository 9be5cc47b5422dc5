// Package objects is novanats' take on oslo.versionedobjects: the typed,
// versioned records (Instance, Migration, ComputeNode, ...) that the
// conductor, scheduler and compute services pass to each other over NATS.
//
// # Why versioned objects
//
// Services are upgraded one at a time, so a newer conductor must be able to
// talk to an older compute. Every object therefore carries a name and an
// "X.Y" version on the wire. Minor bumps only add fields; a receiver that
// gets a minor newer than it knows refuses it with *IncompatibleObjectVersion,
// and the sender (or the conductor, nova's object_backport_versions) re-encodes
// it for the receiver's version manifest with ObjToPrimitive or Backport,
// dropping the fields the receiver cannot know.
//
// # Declaring an object
//
// An object is a struct whose first field is the unexported base[T] and whose
// attributes are Field[T] (never null) or Nullable[T] (may be null), each
// tagged with its wire name and options:
//
//	type Destination struct {
//		base[Destination]
//		Host Field[string]   `obj:"host,required"`
//		Node Nullable[string] `obj:"node"`
//		Aggregates Nullable[[]string] `obj:"aggregates,added=1.1,default=null"`
//	}
//
//	func init() { register[Destination](spec{version: "1.1", history: ...}) }
//
// The struct is the one schema: encoding, decoding, change tracking, JSON,
// fingerprints and backports are all driven from it, so no object has
// hand-written codec code. Tag options: required (must be on the wire from the
// version it was added in), uuid / ip (string formats checked both ways),
// added=X.Y (the version that introduced the field; default X.0),
// default=V (a scalar, or null).
//
// # Using an object
//
//	inst := new(objects.Instance)
//	inst.UUID.Set(id)
//	inst.Host.Set("cmp1")
//	inst.TaskState.SetNull()
//	host := inst.Host.Get()
//	inst.ObjWhatChanged()   // ["host", "task_state", "uuid"]
//	inst.ObjResetChanges()  // after a save
//
// Objects implement msgpack.CustomEncoder/CustomDecoder, so a *Instance (or
// []*Selection) can sit in any struct the RPC layer encodes with msgpack/v5.
// Use pointers: the methods have pointer receivers. Objects are not safe for
// concurrent mutation, like their Python counterparts.
//
// # Wire form
//
// A primitive is a map with keys nova_object.name, nova_object.namespace
// ("nova"), nova_object.version, nova_object.data (wire field name → value)
// and, when something changed, nova_object.changes (list of field names).
// Values are msgpack nil, bool, int, float, string, arrays, maps and nested
// primitives; date-times are RFC 3339 strings in UTC, as oslo sends them.
//
// # Changing an object
//
// Add the field with added=<new version>, bump the version in the register
// call and append a history line, then run `go test ./pkg/objects -update` to
// record the new fingerprint. TestObjectFingerprints fails until that is done.
// Changes that are not plain additions also need a backport hook in the spec.
package objects
