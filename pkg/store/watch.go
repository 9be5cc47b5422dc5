package store

import (
	"context"
	"strconv"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/objects"
)

// Watch follows one instance: the channel gets its current record, then
// every change, until ctx ends. A deleted instance arrives with Deleted
// set. Clients (the CLI's --wait, tests) follow a boot or a migration with
// it instead of polling.
func (s *Instances) Watch(ctx context.Context, uuid string) (<-chan db.Update[*objects.Instance], error) {
	return s.t.t.Watch(ctx, db.KeyOf(uuid))
}

// Watch follows one migration by id, as Instances.Watch does an instance.
func (s *Migrations) Watch(ctx context.Context, id int) (<-chan db.Update[*objects.Migration], error) {
	return s.t.t.Watch(ctx, db.KeyOf(strconv.Itoa(id)))
}
