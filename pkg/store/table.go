package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
)

// tableSpec describes one object table to the generic code.
type tableSpec[T any, P object[T]] struct {
	bucket string
	// keyOf returns the record key's parts; an error says which key
	// field is missing.
	keyOf func(P) ([]string, error)
	// notFound is the typed error for a key with no record.
	notFound func(parts []string) error
	// persistent reaches the object's NovaPersistentObject fields.
	persistent func(P) *objects.Persistent
	// id reaches the object's integer id, which Create assigns.
	id func(P) *objects.Field[int]
	// immutable fields cannot be changed by Save or Update: the key
	// fields (changing them would move the record) and id.
	immutable []string
	indexes   []db.Index[P]
}

// table is the part every object table shares: create, get, change-only
// save, read-modify-write update, refresh and destroy.
type table[T any, P object[T]] struct {
	store *Store
	spec  tableSpec[T, P]
	t     *db.Table[P]
}

func newTable[T any, P object[T]](s *Store, spec tableSpec[T, P], attempts int) (*table[T, P], error) {
	t, err := db.NewTable(s.db, db.TableConfig[P]{Bucket: spec.bucket, Codec: objectCodec[T, P](), Indexes: spec.indexes, MaxAttempts: attempts})
	if err != nil {
		return nil, err
	}
	return &table[T, P]{store: s, spec: spec, t: t}, nil
}

func actionError(action string, err error) error {
	var ae *exception.ObjectActionError
	if errors.As(err, &ae) {
		return err
	}
	return &exception.ObjectActionError{Action: action, Reason: err.Error()}
}

// key returns the record key of o, refusing an object without its key fields.
func (t *table[T, P]) key(o P, action string) (db.Key, []string, error) {
	parts, err := t.spec.keyOf(o)
	if err != nil {
		return "", nil, actionError(action, fmt.Errorf("%s: %w", o.ObjName(), err))
	}
	return db.KeyOf(parts...), parts, nil
}

// notFoundOr turns the db's not-found into the table's typed error.
func (t *table[T, P]) notFoundOr(parts []string, what string, err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return t.spec.notFound(parts)
	}
	return wrapDB(what, err)
}

func (t *table[T, P]) get(ctx context.Context, parts ...string) (P, error) {
	o, _, err := t.t.Get(ctx, db.KeyOf(parts...))
	if err != nil {
		return nil, t.notFoundOr(parts, "get", err)
	}
	return o, nil
}

// create stores a new record made from o and, on success, makes o that
// record (id, created_at and defaults filled in, no changes). o is left
// alone on failure, so the caller can fix it and try again.
func (t *table[T, P]) create(ctx context.Context, o P) error {
	if t.spec.id != nil && t.spec.id(o).IsSet() {
		return &exception.ObjectActionError{Action: "create", Reason: "already created"}
	}
	rec, err := checked[T, P](o)
	if err != nil {
		return actionError("create", err)
	}
	// The database's column defaults (locked, hidden, deleted = false).
	if err := rec.ObjSetDefaults(); err != nil {
		return actionError("create", err)
	}
	if t.spec.id != nil {
		// Check the rest of the key before an id is spent on it.
		if _, err := t.spec.keyOf(rec); err != nil && !errors.Is(err, errNoID) {
			return actionError("create", fmt.Errorf("%s: %w", rec.ObjName(), err))
		}
		id, err := t.store.seq.next(ctx, t.spec.bucket)
		if err != nil {
			return err
		}
		t.spec.id(rec).Set(id)
	}
	if p := t.spec.persistent(rec); !p.CreatedAt.IsSet() || p.CreatedAt.IsNull() {
		p.CreatedAt.Set(t.store.Now())
	}
	k, parts, err := t.key(rec, "create")
	if err != nil {
		return err
	}
	if _, err := t.t.Create(ctx, k, rec); err != nil {
		if errors.Is(err, db.ErrExists) {
			return &exception.ObjectActionError{Action: "create", Reason: fmt.Sprintf("%s %v already exists", rec.ObjName(), parts)}
		}
		return wrapDB("create", err)
	}
	return adopt(o, rec)
}

// errNoID is what keyOf says for a table keyed by id before Create assigned it.
var errNoID = errors.New("id is not set")

// adopt makes o the stored record rec, with no changes.
func adopt[P objects.Object](o, rec P) error {
	p, err := storedPrimitive(rec)
	if err != nil {
		return err
	}
	return o.ObjFromPrimitive(p)
}

// saveHooks customise a save for one table.
type saveHooks[P any] struct {
	// check runs on the stored record before every attempt; an error
	// (UnexpectedTaskState) ends the save with nothing written.
	check func(cur P) error
	// adjust runs on the merged record: fields the store owns that
	// follow from the change (last_seen_up when report_count moves).
	adjust func(cur, next P, changed []string)
}

// save writes o's changed fields onto the stored record (see the package
// documentation). With nothing changed it writes nothing and checks
// nothing, as nova's Instance.save returns early.
func (t *table[T, P]) save(ctx context.Context, o P, h saveHooks[P]) error {
	names := o.ObjWhatChanged()
	if len(names) == 0 {
		return nil
	}
	k, parts, err := t.key(o, "save")
	if err != nil {
		return err
	}
	// Refuse what cannot be encoded before touching the store.
	if _, err := storedPrimitive(o); err != nil {
		return actionError("save", err)
	}
	rec, err := t.t.Mutate(ctx, k, func(cur P) (P, error) {
		if h.check != nil {
			if err := h.check(cur); err != nil {
				return nil, err
			}
		}
		if err := t.checkImmutable(cur, o, names, "save"); err != nil {
			return nil, err
		}
		next, err := merge[T, P](cur, o, names)
		if err != nil {
			return nil, actionError("save", err)
		}
		t.spec.persistent(next).UpdatedAt.Set(t.store.Now())
		if h.adjust != nil {
			h.adjust(cur, next, names)
		}
		return next, nil
	})
	if err != nil {
		return t.notFoundOr(parts, "save", err)
	}
	return adopt(o, rec)
}

// errNoChange ends a Mutate whose fn changed nothing, so that nothing is
// written.
var errNoChange = errors.New("store: nothing changed")

// update applies fn to the stored record, re-running it on conflict, and
// returns the record written (or the current one if fn changed nothing).
func (t *table[T, P]) update(ctx context.Context, parts []string, check func(P) error, fn func(P) error) (P, error) {
	k := db.KeyOf(parts...)
	rec, err := t.t.Mutate(ctx, k, func(cur P) (P, error) {
		if check != nil {
			if err := check(cur); err != nil {
				return nil, err
			}
		}
		before, err := checked[T, P](cur)
		if err != nil {
			return nil, err
		}
		cur.ObjResetChanges()
		if err := fn(cur); err != nil {
			return nil, err
		}
		names := cur.ObjWhatChanged()
		if len(names) == 0 {
			return nil, errNoChange
		}
		if err := t.checkImmutable(before, cur, names, "update"); err != nil {
			return nil, err
		}
		t.spec.persistent(cur).UpdatedAt.Set(t.store.Now())
		next, err := checked[T, P](cur)
		if err != nil {
			return nil, actionError("update", err)
		}
		return next, nil
	})
	if errors.Is(err, errNoChange) {
		return t.get(ctx, parts...)
	}
	if err != nil {
		return nil, t.notFoundOr(parts, "update", err)
	}
	return rec, nil
}

// checkImmutable refuses a change of a key field or the id to a value other
// than the stored one. Setting it to the value it has is harmless (an
// object built by hand has its uuid "changed").
func (t *table[T, P]) checkImmutable(cur, next P, changed []string, action string) error {
	for _, f := range t.spec.immutable {
		if !slices.Contains(changed, f) {
			continue
		}
		was, wasSet, err := fieldValue(cur, f)
		if err != nil {
			return err
		}
		now, _, err := fieldValue(next, f)
		if err != nil {
			return actionError(action, err)
		}
		if !wasSet || !reflect.DeepEqual(was, now) {
			return &exception.ObjectActionError{Action: action, Reason: fmt.Sprintf("%s.%s cannot be changed (stored %v, got %v)", cur.ObjName(), f, was, now)}
		}
	}
	return nil
}

// refresh makes o the stored record, dropping its changes (nova's refresh).
func (t *table[T, P]) refresh(ctx context.Context, o P) error {
	_, parts, err := t.key(o, "refresh")
	if err != nil {
		return err
	}
	rec, err := t.get(ctx, parts...)
	if err != nil {
		return err
	}
	return adopt(o, rec)
}

// destroy deletes the record and marks o deleted, as nova's destroy leaves
// the object with deleted and deleted_at set.
func (t *table[T, P]) destroy(ctx context.Context, o P) error {
	k, parts, err := t.key(o, "destroy")
	if err != nil {
		return err
	}
	if err := t.t.Delete(ctx, k, 0); err != nil {
		return t.notFoundOr(parts, "destroy", err)
	}
	p := t.spec.persistent(o)
	p.Deleted.Set(true)
	p.DeletedAt.Set(t.store.Now())
	o.ObjResetChanges()
	return nil
}

// byIndex lists the records an index maps value to, sorted by key. A
// record that does not decode is left out and reported in the error next
// to the others, as db.Table.ByIndex does.
func (t *table[T, P]) byIndex(ctx context.Context, index, value string) ([]P, error) {
	entries, err := t.t.ByIndex(ctx, index, value)
	return values(entries), wrapIfAny("list by "+index, err)
}

func (t *table[T, P]) list(ctx context.Context) ([]P, error) {
	entries, err := t.t.List(ctx)
	return values(entries), wrapIfAny("list", err)
}

func values[P any](entries []db.Entry[P]) []P {
	out := make([]P, len(entries))
	for i, e := range entries {
		out[i] = e.Value
	}
	return out
}

func wrapIfAny(what string, err error) error { return wrapDB(what, err) }

// nonEmpty is a key part taken from a nullable string field.
func nonEmpty(field string, n *objects.Nullable[string]) (string, error) {
	v, ok := n.Lookup()
	if !ok || v == "" {
		return "", fmt.Errorf("%s is not set", field)
	}
	return v, nil
}
