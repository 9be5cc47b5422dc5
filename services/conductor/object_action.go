package conductor

import (
	"context"
	"fmt"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
)

// objectMethod is one remotable method of an object: it works on the
// object the caller sent, in place.
type objectMethod func(ctx context.Context, o objects.Object, kw ObjectActionKwargs) error

// typed adapts a method of *T to objectMethod. The table is keyed by the
// object's name, so the assertion only fails on a table written wrong.
func typed[P objects.Object](fn func(context.Context, P, ObjectActionKwargs) error) objectMethod {
	return func(ctx context.Context, o objects.Object, kw ObjectActionKwargs) error {
		p, ok := o.(P)
		if !ok {
			return fmt.Errorf("conductor: object method table: %s is not a %T", o.ObjName(), p)
		}
		return fn(ctx, p, kw)
	}
}

// plain adapts a method that takes no keyword arguments, refusing any.
func plain[P objects.Object](action string, fn func(context.Context, P) error) objectMethod {
	return typed(func(ctx context.Context, p P, kw ObjectActionKwargs) error {
		if kw.ExpectedTaskState != nil {
			return &exception.ObjectActionError{Action: action, Reason: "expected_task_state is an argument of Instance.save only"}
		}
		return fn(ctx, p)
	})
}

// objectMethodTable is every object method a compute may call, by object
// name and nova's method name.
func (m *Manager) objectMethodTable() map[string]map[string]objectMethod {
	st := m.store
	return map[string]map[string]objectMethod{
		"Instance": {
			"create":  plain("create", st.Instances.Create),
			"refresh": plain("refresh", st.Instances.Refresh),
			"destroy": plain("destroy", st.Instances.Destroy),
			"save": typed(func(ctx context.Context, i *objects.Instance, kw ObjectActionKwargs) error {
				return st.Instances.Save(ctx, i, kw.ExpectedTaskState...)
			}),
		},
		"Migration": {
			"create":  plain("create", st.Migrations.Create),
			"refresh": plain("refresh", st.Migrations.Refresh),
			"save":    plain("save", st.Migrations.Save),
		},
		"ComputeNode": {
			"create":  plain("create", st.ComputeNodes.Create),
			"refresh": plain("refresh", st.ComputeNodes.Refresh),
			"save":    plain("save", st.ComputeNodes.Save),
			"destroy": plain("destroy", st.ComputeNodes.Destroy),
		},
		"Service": {
			"create":  plain("create", st.Services.Create),
			"refresh": plain("refresh", st.Services.Refresh),
			// A save that bumps report_count is the compute's state
			// report: the store stamps last_seen_up with its clock.
			"save":    plain("save", st.Services.Save),
			"destroy": plain("destroy", st.Services.Destroy),
		},
	}
}
