package db

import (
	"context"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// Update is one change seen by Watch: a new value, or a deletion (Value is
// then the zero T). Err is set, with the zero Value, when the stored bytes
// do not decode (a *CorruptError naming bucket and key); the watch goes on.
type Update[T any] struct {
	Key      Key
	Value    T
	Revision uint64
	Deleted  bool
	Err      error
}

// Watch follows one record: it first delivers the current state (the value,
// or a deletion if the key was deleted; nothing if the key never existed),
// then every later change, in revision order. The channel is closed when ctx
// is done (or the connection closes). The caller must keep reading or cancel
// ctx.
//
// Between the two, no change is lost: the consumer behind it starts at the
// last message per key and follows the stream, so a Migration's progress can
// be followed without polling.
func (t *Table[T]) Watch(ctx context.Context, k Key) (<-chan Update[T], error) {
	if err := k.validate(); err != nil {
		return nil, err
	}
	return t.watch(ctx, recPrefix+string(k))
}

// WatchPrefix is Watch for every record under prefix, whole tokens as in
// ListPrefix; the empty prefix watches the whole table. Order is the stream's
// order across all keys.
func (t *Table[T]) WatchPrefix(ctx context.Context, prefix Key) (<-chan Update[T], error) {
	if err := prefix.validatePrefix(); err != nil {
		return nil, err
	}
	if prefix == "" {
		return t.watch(ctx, recPrefix+">")
	}
	return t.watch(ctx, recPrefix+string(prefix)+".>")
}

func (t *Table[T]) watch(ctx context.Context, filter string) (<-chan Update[T], error) {
	w, err := t.b.kv.WatchFiltered(ctx, []string{filter})
	if err != nil {
		return nil, err
	}
	out := make(chan Update[T])
	go func() {
		defer close(out)
		defer stopWatcher(w)
		for {
			var e jetstream.KeyValueEntry
			select {
			case <-ctx.Done():
				return
			case ent, ok := <-w.Updates():
				if !ok {
					return
				}
				e = ent
			}
			if e == nil {
				continue // end of the initial values; nothing to tell
			}
			u := Update[T]{Key: Key(strings.TrimPrefix(e.Key(), recPrefix)), Revision: e.Revision()}
			if e.Operation() != jetstream.KeyValuePut {
				u.Deleted = true
			} else {
				u.Value, u.Err = t.codec.decode(t.b.name, u.Key, u.Revision, e.Value())
			}
			select {
			case <-ctx.Done():
				return
			case out <- u:
			}
		}
	}()
	return out, nil
}
