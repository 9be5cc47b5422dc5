package conductor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/store"
)

// Manager handles the conductor's RPC methods; it is nova's
// ConductorManager. It holds no state of its own beyond the store, so any
// number of conductors can serve one topic.
type Manager struct {
	store         *store.Store
	log           *slog.Logger
	objectMethods map[string]map[string]objectMethod
	classMethods  map[string]map[string]classMethod
}

// NewManager returns a manager working on st. cfg supplies the logger.
func NewManager(st *store.Store, cfg Config) *Manager {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	m := &Manager{store: st, log: log.With("service", "conductor")}
	m.objectMethods = m.objectMethodTable()
	m.classMethods = m.classMethodTable()
	return m
}

// Register adds the manager's handlers to srv's default endpoint.
func (m *Manager) Register(srv *rpc.Server) {
	ep := srv.Endpoint("", APIVersion)
	rpc.HandleCall(ep, ObjectClassActionVersions, m.objectClassActionVersions)
	rpc.HandleCall(ep, ObjectAction, m.objectAction)
	rpc.HandleCall(ep, ObjectBackportVersions, m.objectBackportVersions)
	m.registerCompute(srv)
}

// objectAction runs objmethod on the object the caller sent and returns
// the object as the method left it, at the caller's versions.
func (m *Manager) objectAction(ctx context.Context, args ObjectActionArgs) (ObjectActionReply, error) {
	log := rpc.Logger(ctx, m.log).With("objmethod", args.ObjMethod, "objname", args.ObjInst.Name())
	obj, err := decodeArg(args.ObjInst, args.ObjMethod)
	if err != nil {
		log.Info("object_action refused: object does not decode", "error", err)
		return ObjectActionReply{}, err
	}
	fn := m.objectMethods[obj.ObjName()][args.ObjMethod]
	if fn == nil {
		return ObjectActionReply{}, &exception.ObjectActionError{Action: args.ObjMethod,
			Reason: fmt.Sprintf("%s has no remotable method %q", obj.ObjName(), args.ObjMethod)}
	}
	before, err := obj.ToPrimitive()
	if err != nil {
		return ObjectActionReply{}, err
	}
	if err := fn(ctx, obj, args.Kwargs); err != nil {
		log.Debug("object_action failed", "error", err)
		return ObjectActionReply{}, err
	}
	out, err := obj.ObjToPrimitive("", args.ObjectVersions)
	if err != nil {
		return ObjectActionReply{}, err
	}
	updates, err := changedFields(before, obj)
	if err != nil {
		return ObjectActionReply{}, err
	}
	log.Debug("object_action done", "updates", updates)
	return ObjectActionReply{ObjInst: out, Updates: updates}, nil
}

// objectClassActionVersions runs a class method and returns its objects at
// the versions the caller named.
func (m *Manager) objectClassActionVersions(ctx context.Context, args ObjectClassActionVersionsArgs) (ObjectClassActionVersionsReply, error) {
	log := rpc.Logger(ctx, m.log).With("objname", args.ObjName, "objmethod", args.ObjMethod)
	fn := m.classMethods[args.ObjName][args.ObjMethod]
	if fn == nil {
		return ObjectClassActionVersionsReply{}, &exception.ObjectActionError{Action: args.ObjName + "." + args.ObjMethod,
			Reason: "no such class method"}
	}
	one, many, err := fn(ctx, args.Kwargs)
	if err != nil {
		log.Debug("object_class_action_versions failed", "error", err)
		return ObjectClassActionVersionsReply{}, err
	}
	var reply ObjectClassActionVersionsReply
	if one != nil {
		if reply.Object, err = one.ObjToPrimitive("", args.ObjectVersions); err != nil {
			return reply, err
		}
	}
	for _, o := range many {
		p, err := o.ObjToPrimitive("", args.ObjectVersions)
		if err != nil {
			return reply, err
		}
		reply.Objects = append(reply.Objects, p)
	}
	return reply, nil
}

// objectBackportVersions re-encodes an object for a receiver that cannot
// read the version it was sent at: the object goes to the manifest's
// version of it, and every nested object to its own.
func (m *Manager) objectBackportVersions(ctx context.Context, args ObjectBackportVersionsArgs) (ObjectBackportVersionsReply, error) {
	name := args.ObjInst.Name()
	target, ok := args.ObjectVersions[name]
	if !ok {
		return ObjectBackportVersionsReply{}, &exception.ObjectActionError{Action: "object_backport_versions",
			Reason: fmt.Sprintf("the manifest has no version for %q", name)}
	}
	rpc.Logger(ctx, m.log).Debug("backporting object", "objname", name, "from", args.ObjInst.Version(), "to", target)
	p, err := objects.Backport(args.ObjInst, args.ObjectVersions)
	if err != nil {
		var iv *objects.IncompatibleObjectVersion
		if errors.As(err, &iv) {
			return ObjectBackportVersionsReply{}, err
		}
		return ObjectBackportVersionsReply{}, &exception.ObjectActionError{Action: "object_backport_versions", Reason: err.Error()}
	}
	return ObjectBackportVersionsReply{ObjInst: p}, nil
}

// decodeArg decodes an object sent to the conductor. An object too new for
// this conductor stays an *objects.IncompatibleObjectVersion (conductors
// are upgraded first, so this is an operator's error worth its own type);
// anything else that does not decode is an ObjectActionError saying why.
func decodeArg(p objects.Primitive, action string) (objects.Object, error) {
	if p == nil {
		return nil, &exception.ObjectActionError{Action: action, Reason: "no object was sent"}
	}
	o, err := objects.Decode(p)
	if err == nil {
		return o, nil
	}
	var iv *objects.IncompatibleObjectVersion
	if errors.As(err, &iv) {
		return nil, iv
	}
	return nil, &exception.ObjectActionError{Action: action, Reason: err.Error()}
}
