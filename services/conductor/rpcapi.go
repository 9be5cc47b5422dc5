package conductor

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
)

// Topic is the conductor's RPC topic.
const Topic = "conductor"

// APIVersion is the version of the conductor's base API (namespace ""),
// nova's ConductorAPI 3.x.
const APIVersion = "3.0"

// The conductor's base API: nova's object indirection methods.
var (
	// ObjectClassActionVersions runs a class method (a look-up) and
	// returns its objects at the caller's versions.
	ObjectClassActionVersions = rpc.DefineCall[ObjectClassActionVersionsArgs, ObjectClassActionVersionsReply](Topic, "", "object_class_action_versions", "3.0")
	// ObjectAction runs a method (save, refresh, create, destroy) on an
	// object the caller holds, and returns the object as stored.
	ObjectAction = rpc.DefineCall[ObjectActionArgs, ObjectActionReply](Topic, "", "object_action", "3.0")
	// ObjectBackportVersions re-encodes an object for a receiver whose
	// object versions are older than the sender's.
	ObjectBackportVersions = rpc.DefineCall[ObjectBackportVersionsArgs, ObjectBackportVersionsReply](Topic, "", "object_backport_versions", "3.0")
)

// ObjectActionArgs are object_action's arguments. The object travels as a
// primitive, not a decoded object, so that the conductor (not the RPC
// layer) decodes it and can answer a malformed or too-new object with a
// typed error.
type ObjectActionArgs struct {
	ObjInst   objects.Primitive  `msgpack:"objinst"`
	ObjMethod string             `msgpack:"objmethod"`
	Kwargs    ObjectActionKwargs `msgpack:"kwargs"`
	// ObjectVersions is the caller's version manifest; the object in the
	// reply is backported to it. Nova's object_action lacks it (and its
	// callers then ask for backports); sending it saves that round trip.
	ObjectVersions objects.Manifest `msgpack:"object_versions,omitempty"`
}

// ObjectActionKwargs are the keyword arguments of the object methods.
type ObjectActionKwargs struct {
	// ExpectedTaskState is Instance.save's expected_task_state: the
	// stored task_state must be one of these (NoTaskState for None).
	ExpectedTaskState TaskStates `msgpack:"expected_task_state,omitempty"`
}

// ObjectActionReply is the object as the method left it.
type ObjectActionReply struct {
	// ObjInst is the object as stored, at the caller's manifest versions,
	// with no changes.
	ObjInst objects.Primitive `msgpack:"objinst"`
	// Updates names the fields whose values differ from what the caller
	// sent: the keys of nova's "updates" dict, for logs and tests. The
	// caller takes the whole ObjInst rather than applying a diff.
	Updates []string `msgpack:"updates"`
}

// ObjectClassActionVersionsArgs are object_class_action_versions' arguments.
type ObjectClassActionVersionsArgs struct {
	ObjName        string            `msgpack:"objname"`
	ObjMethod      string            `msgpack:"objmethod"`
	ObjectVersions objects.Manifest  `msgpack:"object_versions"`
	Kwargs         ClassActionKwargs `msgpack:"kwargs"`
}

// ClassActionKwargs are the keyword arguments of every class method, by
// nova's argument names; each method reads the ones it needs and refuses
// a call that lacks them.
type ClassActionKwargs struct {
	UUID         string `msgpack:"uuid,omitempty"`
	InstanceUUID string `msgpack:"instance_uuid,omitempty"`
	MigrationID  int    `msgpack:"migration_id,omitempty"`
	Host         string `msgpack:"host,omitempty"`
	Nodename     string `msgpack:"nodename,omitempty"`
	Binary       string `msgpack:"binary,omitempty"`
	// RequestID defaults to the request id of the call's context, as
	// nova's action methods take it from the context.
	RequestID string `msgpack:"request_id,omitempty"`
	// Action is action_start's action name ("live-migration").
	Action string `msgpack:"action,omitempty"`
	// EventName, ExcVal and ExcTb are event_start's and
	// event_finish_with_failure's arguments; an empty ExcVal is success.
	EventName string `msgpack:"event_name,omitempty"`
	ExcVal    string `msgpack:"exc_val,omitempty"`
	ExcTb     string `msgpack:"exc_tb,omitempty"`
}

// ObjectClassActionVersionsReply carries the method's result: one object,
// or a list of them (nova returns an ObjectList; we have no list object
// per type), each at the caller's manifest version.
type ObjectClassActionVersionsReply struct {
	Object  objects.Primitive   `msgpack:"object,omitempty"`
	Objects []objects.Primitive `msgpack:"objects,omitempty"`
}

// ObjectBackportVersionsArgs are object_backport_versions' arguments.
type ObjectBackportVersionsArgs struct {
	ObjInst        objects.Primitive `msgpack:"objinst"`
	ObjectVersions objects.Manifest  `msgpack:"object_versions"`
}

// ObjectBackportVersionsReply is the object at the requested versions.
type ObjectBackportVersionsReply struct {
	ObjInst objects.Primitive `msgpack:"objinst"`
}

// TaskStates is a list of task states on the wire as nova sends
// expected_task_state: strings, and nil for None (exception.NoTaskState).
type TaskStates []objects.TaskState

func (ts TaskStates) EncodeMsgpack(e *msgpack.Encoder) error {
	if err := e.EncodeArrayLen(len(ts)); err != nil {
		return err
	}
	for _, s := range ts {
		var err error
		if s == exception.NoTaskState {
			err = e.EncodeNil()
		} else {
			err = e.EncodeString(string(s))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (ts *TaskStates) DecodeMsgpack(d *msgpack.Decoder) error {
	n, err := d.DecodeArrayLen()
	if err != nil {
		return err
	}
	if n < 0 {
		*ts = nil
		return nil
	}
	out := make(TaskStates, 0, min(n, 64))
	for range n {
		c, err := d.PeekCode()
		if err != nil {
			return err
		}
		if c == msgpcode.Nil {
			if err := d.DecodeNil(); err != nil {
				return err
			}
			out = append(out, exception.NoTaskState)
			continue
		}
		s, err := d.DecodeString()
		if err != nil {
			return err
		}
		if s == "" {
			return errors.New("expected_task_state: the empty string is not a task state (send nil for None)")
		}
		out = append(out, objects.TaskState(s))
	}
	*ts = out
	return nil
}

// API is the typed client of the conductor's base API.
type API struct {
	client *rpc.Client
}

// NewAPI returns a client for any conductor on nc. Options are the rpc
// client's (Timeout, VersionCap, SubjectPrefix, WithMetrics, ...).
func NewAPI(nc *nats.Conn, opts ...rpc.ClientOption) (*API, error) {
	c, err := rpc.NewClient(nc, rpc.Target{Topic: Topic, Version: APIVersion}, opts...)
	if err != nil {
		return nil, err
	}
	return &API{client: c}, nil
}

// ObjectClassActionVersions calls object_class_action_versions.
func (a *API) ObjectClassActionVersions(ctx context.Context, args ObjectClassActionVersionsArgs) (ObjectClassActionVersionsReply, error) {
	return ObjectClassActionVersions.Invoke(ctx, a.client, args)
}

// ObjectAction calls object_action.
func (a *API) ObjectAction(ctx context.Context, args ObjectActionArgs) (ObjectActionReply, error) {
	return ObjectAction.Invoke(ctx, a.client, args)
}

// ObjectBackportVersions calls object_backport_versions.
func (a *API) ObjectBackportVersions(ctx context.Context, args ObjectBackportVersionsArgs) (ObjectBackportVersionsReply, error) {
	return ObjectBackportVersions.Invoke(ctx, a.client, args)
}
