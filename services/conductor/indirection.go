package conductor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/servicegroup"
)

// Indirection is how a service without a store (a compute) reads and
// writes objects: every operation is a conductor RPC, as nova's
// NovaObject.indirection_api makes @remotable methods. It needs only an
// API, that is a NATS connection; it holds no store or JetStream handle.
//
// Methods that take an object update it in place to the stored record,
// with no changes, as the remotable methods do in nova.
type Indirection struct {
	api      *API
	manifest objects.Manifest
	log      *slog.Logger
}

// IndirectionOption adjusts NewIndirection.
type IndirectionOption func(*Indirection)

// WithManifest sets the object versions this service reads, sent with
// every call so replies come at them; the default is
// objects.LocalManifest(). A test pins older versions with it to act as an
// older compute.
func WithManifest(m objects.Manifest) IndirectionOption {
	return func(x *Indirection) { x.manifest = m }
}

// WithIndirectionLogger sets the logger; nil is slog.Default().
func WithIndirectionLogger(l *slog.Logger) IndirectionOption {
	return func(x *Indirection) { x.log = l }
}

// NewIndirection returns the indirection helper over api.
func NewIndirection(api *API, opts ...IndirectionOption) *Indirection {
	x := &Indirection{api: api, manifest: objects.LocalManifest(), log: slog.Default()}
	for _, o := range opts {
		o(x)
	}
	if x.log == nil {
		x.log = slog.Default()
	}
	return x
}

// Manifest is the object versions this side reads.
func (x *Indirection) Manifest() objects.Manifest { return x.manifest }

// SaveInstance is Instance.save(expected_task_state=...): only inst's
// changed fields are written, and only if the stored task_state is one of
// expectedTaskStates (none given: no check). A conflict comes back as
// *exception.UnexpectedTaskState, which errors.As finds.
func (x *Indirection) SaveInstance(ctx context.Context, inst *objects.Instance, expectedTaskStates ...objects.TaskState) error {
	return x.objectAction(ctx, inst, "save", ObjectActionKwargs{ExpectedTaskState: TaskStates(expectedTaskStates)})
}

// Save writes o's changed fields (Instance, Migration, ComputeNode,
// Service). Saving a Service with report_count changed is a state report.
func (x *Indirection) Save(ctx context.Context, o objects.Object) error {
	return x.objectAction(ctx, o, "save", ObjectActionKwargs{})
}

// Refresh replaces o with the stored record.
func (x *Indirection) Refresh(ctx context.Context, o objects.Object) error {
	return x.objectAction(ctx, o, "refresh", ObjectActionKwargs{})
}

// Create stores o as a new record; o gets its id and timestamps.
func (x *Indirection) Create(ctx context.Context, o objects.Object) error {
	return x.objectAction(ctx, o, "create", ObjectActionKwargs{})
}

// Destroy deletes o's record; o is left marked deleted.
func (x *Indirection) Destroy(ctx context.Context, o objects.Object) error {
	return x.objectAction(ctx, o, "destroy", ObjectActionKwargs{})
}

func (x *Indirection) objectAction(ctx context.Context, o objects.Object, method string, kw ObjectActionKwargs) error {
	p, err := o.ObjToPrimitive("", x.manifest)
	if err != nil {
		return fmt.Errorf("conductor: %s.%s: %w", o.ObjName(), method, err)
	}
	if len(kw.ExpectedTaskState) == 0 {
		kw.ExpectedTaskState = nil
	}
	reply, err := x.api.ObjectAction(ctx, ObjectActionArgs{ObjInst: p, ObjMethod: method, Kwargs: kw, ObjectVersions: x.manifest})
	if err != nil {
		return err
	}
	rpc.Logger(ctx, x.log).Debug("object_action", "objname", o.ObjName(), "objmethod", method, "updates", reply.Updates)
	return x.adopt(ctx, o, reply.ObjInst)
}

// adopt makes o the object in p, asking for a backport if p is newer than
// this side reads (a conductor that ignored the manifest).
func (x *Indirection) adopt(ctx context.Context, o objects.Object, p objects.Primitive) error {
	if p.Name() != o.ObjName() {
		return fmt.Errorf("conductor: reply holds a %q, want a %s", p.Name(), o.ObjName())
	}
	p, err := x.readable(ctx, p)
	if err != nil {
		return err
	}
	return o.ObjFromPrimitive(p)
}

// Decode is the receiver's side of object versioning: it decodes an object
// that arrived in any message, and when the object (or one nested in it)
// is at a version newer than this side reads, it first asks a conductor
// for a backport to this side's manifest (nova's object_backport_versions).
func (x *Indirection) Decode(ctx context.Context, p objects.Primitive) (objects.Object, error) {
	p, err := x.readable(ctx, p)
	if err != nil {
		return nil, err
	}
	return objects.Decode(p)
}

// readable returns p, or its backport when this side cannot read it.
func (x *Indirection) readable(ctx context.Context, p objects.Primitive) (objects.Primitive, error) {
	if !newerThan(p, x.manifest) {
		_, err := objects.Decode(p)
		var iv *objects.IncompatibleObjectVersion
		if !errors.As(err, &iv) {
			return p, nil // readable, or broken in a way a backport cannot fix
		}
	}
	rpc.Logger(ctx, x.log).Info("object is newer than this service reads; asking the conductor for a backport",
		"objname", p.Name(), "version", p.Version(), "want", x.manifest[p.Name()])
	reply, err := x.api.ObjectBackportVersions(ctx, ObjectBackportVersionsArgs{ObjInst: p, ObjectVersions: x.manifest})
	if err != nil {
		return nil, err
	}
	return reply.ObjInst, nil
}

// newerThan says whether p or any object nested in it claims a version of
// the same major but a newer minor than the manifest's.
func newerThan(v any, m objects.Manifest) bool {
	switch v := v.(type) {
	case objects.Primitive:
		return newerThan(map[string]any(v), m)
	case map[string]any:
		if name, ok := v[objects.KeyName].(string); ok {
			got, err1 := objects.ParseVersion(fmt.Sprint(v[objects.KeyVersion]))
			want, err2 := objects.ParseVersion(m[name])
			if err1 == nil && err2 == nil && got.Major == want.Major && want.Less(got) {
				return true
			}
			return newerThan(v[objects.KeyData], m)
		}
		for _, x := range v {
			if newerThan(x, m) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if newerThan(x, m) {
				return true
			}
		}
	}
	return false
}

// classAction calls a class method and returns its raw result.
func (x *Indirection) classAction(ctx context.Context, objname, method string, kw ClassActionKwargs) (ObjectClassActionVersionsReply, error) {
	return x.api.ObjectClassActionVersions(ctx, ObjectClassActionVersionsArgs{ObjName: objname, ObjMethod: method, ObjectVersions: x.manifest, Kwargs: kw})
}

// getOne calls a class method returning one object of type *T.
func getOne[T any, P interface {
	*T
	objects.Object
}](ctx context.Context, x *Indirection, objname, method string, kw ClassActionKwargs) (P, error) {
	reply, err := x.classAction(ctx, objname, method, kw)
	if err != nil {
		return nil, err
	}
	o := P(new(T))
	if err := x.adopt(ctx, o, reply.Object); err != nil {
		return nil, err
	}
	return o, nil
}

// getMany calls a class method returning a list of *T.
func getMany[T any, P interface {
	*T
	objects.Object
}](ctx context.Context, x *Indirection, objname, method string, kw ClassActionKwargs) ([]P, error) {
	reply, err := x.classAction(ctx, objname, method, kw)
	if err != nil {
		return nil, err
	}
	out := make([]P, 0, len(reply.Objects))
	for _, p := range reply.Objects {
		o := P(new(T))
		if err := x.adopt(ctx, o, p); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// GetInstance is Instance.get_by_uuid.
func (x *Indirection) GetInstance(ctx context.Context, uuid string) (*objects.Instance, error) {
	return getOne[objects.Instance](ctx, x, "Instance", "get_by_uuid", ClassActionKwargs{UUID: uuid})
}

// InstancesByHost is InstanceList.get_by_host.
func (x *Indirection) InstancesByHost(ctx context.Context, host string) ([]*objects.Instance, error) {
	return getMany[objects.Instance](ctx, x, "Instance", "list_by_host", ClassActionKwargs{Host: host})
}

// GetMigration is Migration.get_by_id.
func (x *Indirection) GetMigration(ctx context.Context, id int) (*objects.Migration, error) {
	return getOne[objects.Migration](ctx, x, "Migration", "get_by_id", ClassActionKwargs{MigrationID: id})
}

// MigrationsInProgressByHost is MigrationList.get_in_progress_by_host_and_node
// for every node of host.
func (x *Indirection) MigrationsInProgressByHost(ctx context.Context, host string) ([]*objects.Migration, error) {
	return getMany[objects.Migration](ctx, x, "Migration", "list_in_progress_by_host", ClassActionKwargs{Host: host})
}

// GetComputeNode is ComputeNode.get_by_host_and_nodename.
func (x *Indirection) GetComputeNode(ctx context.Context, host, nodename string) (*objects.ComputeNode, error) {
	return getOne[objects.ComputeNode](ctx, x, "ComputeNode", "get_by_host_and_nodename", ClassActionKwargs{Host: host, Nodename: nodename})
}

// GetService is Service.get_by_host_and_binary.
func (x *Indirection) GetService(ctx context.Context, host, binary string) (*objects.Service, error) {
	return getOne[objects.Service](ctx, x, "Service", "get_by_host_and_binary", ClassActionKwargs{Host: host, Binary: binary})
}

// EventStart records the start of an instance action event for the
// request of ctx (nova's InstanceActionEvent.event_start).
func (x *Indirection) EventStart(ctx context.Context, instanceUUID, event, host string) (*objects.InstanceActionEvent, error) {
	return getOne[objects.InstanceActionEvent](ctx, x, "InstanceActionEvent", "event_start",
		ClassActionKwargs{InstanceUUID: instanceUUID, EventName: event, Host: host})
}

// EventFinish records the end of an event: success when failure is nil,
// else an error with failure's message (nova's event_finish_with_failure).
func (x *Indirection) EventFinish(ctx context.Context, instanceUUID, event, host string, failure error) (*objects.InstanceActionEvent, error) {
	kw := ClassActionKwargs{InstanceUUID: instanceUUID, EventName: event, Host: host}
	if failure != nil {
		kw.ExcVal = failure.Error()
		kw.ExcTb = fmt.Sprintf("%+v", failure)
	}
	return getOne[objects.InstanceActionEvent](ctx, x, "InstanceActionEvent", "event_finish_with_failure", kw)
}

// ServiceReporter returns a servicegroup.ReportFunc that reports the state
// of binary on host through the conductor, as nova's db servicegroup
// driver does for a compute: report_count up by one and a save; the
// conductor stamps last_seen_up. The record must exist (Create it at
// start). Run it with a servicegroup.Reporter, which calls it from one
// goroutine.
func (x *Indirection) ServiceReporter(host, binary string) servicegroup.ReportFunc {
	var svc *objects.Service
	return func(ctx context.Context) error {
		if svc == nil {
			s, err := x.GetService(ctx, host, binary)
			if err != nil {
				return err
			}
			svc = s
		}
		svc.ReportCount.Set(svc.ReportCount.Get() + 1)
		if err := x.Save(ctx, svc); err != nil {
			// Read it afresh next time: the record may have been
			// recreated, and our copy now carries a stale change.
			svc = nil
			return err
		}
		return nil
	}
}
