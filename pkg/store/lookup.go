package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
)

// Helpers shared by the clients of the store that are not nova services:
// the Kubernetes controller (services/conductor/kubecontroller) and the
// CLI. They read only; every write stays with the services.

// AmbiguousInstanceName is FindInstance's error when more than one instance
// has the name it was given.
type AmbiguousInstanceName struct {
	Name  string
	Count int
}

func (e *AmbiguousInstanceName) Error() string {
	return fmt.Sprintf("%d instances are named %q: give the uuid", e.Count, e.Name)
}

// FindInstance finds an instance by uuid or, failing that, by its unique
// display name, as nova's API does for `nova live-migration NAME`. No match
// is *exception.InstanceNotFound (InstanceID is ref); several matches by
// name is *AmbiguousInstanceName.
func (s *Instances) FindInstance(ctx context.Context, ref string) (*objects.Instance, error) {
	in, err := s.Get(ctx, ref)
	if err == nil {
		return in, nil
	}
	var nf *exception.InstanceNotFound
	if !errors.As(err, &nf) && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		// Anything but "no such uuid" (a name is not a valid key, for
		// one) falls through to the names, unless the store itself gave
		// up.
		return nil, err
	}
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var found []*objects.Instance
	for _, x := range all {
		if x.DisplayName.Get() == ref {
			found = append(found, x)
		}
	}
	switch len(found) {
	case 0:
		return nil, &exception.InstanceNotFound{InstanceID: ref}
	case 1:
		return found[0], nil
	}
	return nil, &AmbiguousInstanceName{Name: ref, Count: len(found)}
}

// WatchAll follows every migration: the current records, then every
// change, until ctx ends. The Kubernetes controller follows all the
// migrations it mirrors with one watch instead of one per migration.
func (s *Migrations) WatchAll(ctx context.Context) (<-chan db.Update[*objects.Migration], error) {
	return s.t.t.WatchPrefix(ctx, "")
}

// WatchAll follows every service record: each report of a service (every
// report_interval), each disable or enable.
func (s *Services) WatchAll(ctx context.Context) (<-chan db.Update[*objects.Service], error) {
	return s.t.t.WatchPrefix(ctx, "")
}

// WatchAll follows every compute node record: the resource tracker's
// usage updates.
func (s *ComputeNodes) WatchAll(ctx context.Context) (<-chan db.Update[*objects.ComputeNode], error) {
	return s.t.t.WatchPrefix(ctx, "")
}

// WatchAll follows every instance record (host, task and state changes).
func (s *Instances) WatchAll(ctx context.Context) (<-chan db.Update[*objects.Instance], error) {
	return s.t.t.WatchPrefix(ctx, "")
}
