package conductor

import (
	"context"
	"fmt"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
)

// classMethod is one remotable class method: it returns one object or a
// list of them.
type classMethod func(ctx context.Context, kw ClassActionKwargs) (objects.Object, []objects.Object, error)

func one[P objects.Object](fn func(context.Context, ClassActionKwargs) (P, error)) classMethod {
	return func(ctx context.Context, kw ClassActionKwargs) (objects.Object, []objects.Object, error) {
		o, err := fn(ctx, kw)
		if err != nil {
			return nil, nil, err
		}
		return o, nil, nil
	}
}

func many[P objects.Object](fn func(context.Context, ClassActionKwargs) ([]P, error)) classMethod {
	return func(ctx context.Context, kw ClassActionKwargs) (objects.Object, []objects.Object, error) {
		list, err := fn(ctx, kw)
		if err != nil {
			return nil, nil, err
		}
		out := make([]objects.Object, len(list))
		for i, o := range list {
			out[i] = o
		}
		return nil, out, nil
	}
}

// need refuses a call that lacks a required argument; args are pairs of
// name and value.
func need(method string, args ...string) error {
	for i := 0; i+1 < len(args); i += 2 {
		if args[i+1] == "" {
			return &exception.ObjectActionError{Action: method, Reason: fmt.Sprintf("missing argument %s", args[i])}
		}
	}
	return nil
}

// requestID is the request an action belongs to: the one named, else the
// caller's, as nova's action methods read context.request_id.
func requestID(ctx context.Context, kw ClassActionKwargs) string {
	if kw.RequestID != "" {
		return kw.RequestID
	}
	rc, _ := rpc.RequestContextFrom(ctx)
	return rc.RequestID
}

// classMethodTable is every class method a compute may call. Names follow
// nova's where nova has the method on the object class; nova's
// ObjectList.get_* methods, for which we have no list objects, are
// list_* methods of the object.
func (m *Manager) classMethodTable() map[string]map[string]classMethod {
	st := m.store
	return map[string]map[string]classMethod{
		"Instance": {
			"get_by_uuid": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.Instance, error) {
				if err := need("Instance.get_by_uuid", "uuid", kw.UUID); err != nil {
					return nil, err
				}
				return st.Instances.Get(ctx, kw.UUID)
			}),
			"list_by_host": many(func(ctx context.Context, kw ClassActionKwargs) ([]*objects.Instance, error) {
				if err := need("Instance.list_by_host", "host", kw.Host); err != nil {
					return nil, err
				}
				return st.Instances.ListByHost(ctx, kw.Host)
			}),
		},
		"Migration": {
			"get_by_id": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.Migration, error) {
				if kw.MigrationID <= 0 {
					return nil, &exception.ObjectActionError{Action: "Migration.get_by_id", Reason: "missing argument migration_id"}
				}
				return st.Migrations.Get(ctx, kw.MigrationID)
			}),
			"get_by_uuid": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.Migration, error) {
				if err := need("Migration.get_by_uuid", "uuid", kw.UUID); err != nil {
					return nil, err
				}
				return st.Migrations.GetByUUID(ctx, kw.UUID)
			}),
			"list_in_progress_by_host": many(func(ctx context.Context, kw ClassActionKwargs) ([]*objects.Migration, error) {
				if err := need("Migration.list_in_progress_by_host", "host", kw.Host); err != nil {
					return nil, err
				}
				return st.Migrations.ListInProgressByHost(ctx, kw.Host)
			}),
			"list_in_progress_by_instance": many(func(ctx context.Context, kw ClassActionKwargs) ([]*objects.Migration, error) {
				if err := need("Migration.list_in_progress_by_instance", "instance_uuid", kw.InstanceUUID); err != nil {
					return nil, err
				}
				return st.Migrations.ListInProgressByInstance(ctx, kw.InstanceUUID)
			}),
		},
		"ComputeNode": {
			"get_by_uuid": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.ComputeNode, error) {
				if err := need("ComputeNode.get_by_uuid", "uuid", kw.UUID); err != nil {
					return nil, err
				}
				return st.ComputeNodes.Get(ctx, kw.UUID)
			}),
			"get_by_host": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.ComputeNode, error) {
				if err := need("ComputeNode.get_by_host", "host", kw.Host); err != nil {
					return nil, err
				}
				return st.ComputeNodes.GetByHost(ctx, kw.Host)
			}),
			"get_by_host_and_nodename": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.ComputeNode, error) {
				if err := need("ComputeNode.get_by_host_and_nodename", "host", kw.Host, "nodename", kw.Nodename); err != nil {
					return nil, err
				}
				return st.ComputeNodes.GetByHostAndNodename(ctx, kw.Host, kw.Nodename)
			}),
			"list_by_host": many(func(ctx context.Context, kw ClassActionKwargs) ([]*objects.ComputeNode, error) {
				if err := need("ComputeNode.list_by_host", "host", kw.Host); err != nil {
					return nil, err
				}
				return st.ComputeNodes.ListByHost(ctx, kw.Host)
			}),
		},
		"Service": {
			"get_by_host_and_binary": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.Service, error) {
				if err := need("Service.get_by_host_and_binary", "host", kw.Host, "binary", kw.Binary); err != nil {
					return nil, err
				}
				return st.Services.Get(ctx, kw.Host, kw.Binary)
			}),
			"get_by_compute_host": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.Service, error) {
				if err := need("Service.get_by_compute_host", "host", kw.Host); err != nil {
					return nil, err
				}
				return st.Services.Get(ctx, kw.Host, "nova-compute")
			}),
		},
		"InstanceAction": {
			"action_start": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.InstanceAction, error) {
				req := requestID(ctx, kw)
				if err := need("InstanceAction.action_start", "instance_uuid", kw.InstanceUUID, "action", kw.Action, "request_id", req); err != nil {
					return nil, err
				}
				a := new(objects.InstanceAction)
				a.InstanceUUID.Set(kw.InstanceUUID)
				a.RequestID.Set(req)
				a.Action.Set(kw.Action)
				if rc, ok := rpc.RequestContextFrom(ctx); ok {
					a.UserID.Set(rc.UserID)
					a.ProjectID.Set(rc.ProjectID)
				}
				return a, st.Actions.Start(ctx, a)
			}),
			"action_finish": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.InstanceAction, error) {
				req := requestID(ctx, kw)
				if err := need("InstanceAction.action_finish", "instance_uuid", kw.InstanceUUID, "request_id", req); err != nil {
					return nil, err
				}
				return st.Actions.Finish(ctx, kw.InstanceUUID, req)
			}),
			"get_by_request_id": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.InstanceAction, error) {
				req := requestID(ctx, kw)
				if err := need("InstanceAction.get_by_request_id", "instance_uuid", kw.InstanceUUID, "request_id", req); err != nil {
					return nil, err
				}
				return st.Actions.Get(ctx, kw.InstanceUUID, req)
			}),
			"list_by_instance_uuid": many(func(ctx context.Context, kw ClassActionKwargs) ([]*objects.InstanceAction, error) {
				if err := need("InstanceAction.list_by_instance_uuid", "instance_uuid", kw.InstanceUUID); err != nil {
					return nil, err
				}
				return st.Actions.ListByInstance(ctx, kw.InstanceUUID)
			}),
		},
		"InstanceActionEvent": {
			"event_start": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.InstanceActionEvent, error) {
				req := requestID(ctx, kw)
				if err := need("InstanceActionEvent.event_start", "instance_uuid", kw.InstanceUUID, "event_name", kw.EventName, "request_id", req); err != nil {
					return nil, err
				}
				ev := new(objects.InstanceActionEvent)
				ev.Event.Set(kw.EventName)
				if kw.Host != "" {
					ev.Host.Set(kw.Host)
				}
				return ev, st.Actions.EventStart(ctx, kw.InstanceUUID, req, ev)
			}),
			// Nova's event_finish_with_failure: without exc_val it is
			// event_finish, a success.
			"event_finish_with_failure": one(func(ctx context.Context, kw ClassActionKwargs) (*objects.InstanceActionEvent, error) {
				req := requestID(ctx, kw)
				if err := need("InstanceActionEvent.event_finish_with_failure", "instance_uuid", kw.InstanceUUID, "event_name", kw.EventName, "request_id", req); err != nil {
					return nil, err
				}
				ev := new(objects.InstanceActionEvent)
				ev.Event.Set(kw.EventName)
				ev.Result.Set(objects.EventResultSuccess)
				if kw.ExcVal != "" {
					ev.Result.Set(objects.EventResultError)
					ev.Details.Set(kw.ExcVal)
					ev.Traceback.Set(kw.ExcTb)
				}
				if kw.Host != "" {
					ev.Host.Set(kw.Host)
				}
				return ev, st.Actions.EventFinish(ctx, kw.InstanceUUID, req, ev)
			}),
		},
	}
}
