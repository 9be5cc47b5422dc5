package db

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Key spaces inside a table's bucket. Records and index entries share the
// bucket because an atomic batch is confined to one stream.
const (
	recPrefix = "rec." // rec.<key>                 -> encoded record
	idxPrefix = "idx." // idx.<index>.<value>.<key> -> empty value
)

// DefaultMaxAttempts is how many read-modify-write rounds Mutate makes before
// giving up with the last ConflictError.
const DefaultMaxAttempts = 50

// TableConfig binds a record type to a declared bucket.
type TableConfig[T any] struct {
	Bucket  string // logical name from Config.Buckets
	Codec   Codec[T]
	Indexes []Index[T]
	// MaxAttempts bounds Mutate's retries on conflict; 0 means
	// DefaultMaxAttempts.
	MaxAttempts int
}

// Table stores records of type T in one bucket, keyed by Key, with the
// declared secondary indexes kept in step. It is safe for concurrent use.
type Table[T any] struct {
	b           *bucket
	codec       Codec[T]
	indexes     []Index[T]
	byName      map[string]*Index[T]
	maxAttempts int
}

// Entry is a record with its key and the revision it was read at.
type Entry[T any] struct {
	Key      Key
	Value    T
	Revision uint64
}

// NewTable binds cfg to d. All tables on one bucket must hold the same record
// type and declare the same indexes (in practice, one table per bucket):
// Reindex drops entries of indexes its table does not declare.
func NewTable[T any](d *DB, cfg TableConfig[T]) (*Table[T], error) {
	b, err := d.bucket(cfg.Bucket)
	if err != nil {
		return nil, err
	}
	if cfg.Codec.Encode == nil || cfg.Codec.Decode == nil {
		return nil, fmt.Errorf("db: table %s: codec needs Encode and Decode", b.name)
	}
	t := &Table[T]{b: b, codec: cfg.Codec, byName: map[string]*Index[T]{}, maxAttempts: cfg.MaxAttempts}
	if t.maxAttempts <= 0 {
		t.maxAttempts = DefaultMaxAttempts
	}
	t.indexes = append([]Index[T](nil), cfg.Indexes...)
	for i := range t.indexes {
		ix := &t.indexes[i]
		if !nameRe.MatchString(ix.Name) || ix.Values == nil {
			return nil, fmt.Errorf("db: table %s: index %q needs a name in [A-Za-z0-9_-] and a Values func", b.name, ix.Name)
		}
		if _, dup := t.byName[ix.Name]; dup {
			return nil, fmt.Errorf("db: table %s: index %q declared twice", b.name, ix.Name)
		}
		t.byName[ix.Name] = ix
	}
	return t, nil
}

// Bucket is the NATS bucket name.
func (t *Table[T]) Bucket() string { return t.b.name }

// Get returns the record and its revision, ErrNotFound if there is none, or a
// *CorruptError if its bytes do not decode.
func (t *Table[T]) Get(ctx context.Context, k Key) (T, uint64, error) {
	var zero T
	if err := k.validate(); err != nil {
		return zero, 0, err
	}
	e, found, err := t.b.last(ctx, recPrefix+string(k))
	if err != nil {
		return zero, 0, err
	}
	if !found || e.deleted {
		return zero, 0, notFound(t.b.name, k)
	}
	v, err := t.codec.decode(t.b.name, k, e.rev, e.data)
	if err != nil {
		return zero, 0, err
	}
	return v, e.rev, nil
}

// Create stores a new record and returns its revision; ErrExists if the key
// holds a live record. A deleted key can be created again.
func (t *Table[T]) Create(ctx context.Context, k Key, v T) (uint64, error) {
	if err := k.validate(); err != nil {
		return 0, err
	}
	data, err := t.codec.encode(t.b.name, k, v)
	if err != nil {
		return 0, err
	}
	added := t.indexKeys(k, v)
	rev, err := t.b.write(ctx, t.ops(k, data, false, 0, nil, added))
	if !isWrongRevision(err) {
		return rev, err
	}
	// The key has history. If its last message is a delete marker, the
	// record is gone and creating it again means expecting that marker.
	e, found, gerr := t.b.last(ctx, recPrefix+string(k))
	if gerr != nil {
		return 0, gerr
	}
	if found && !e.deleted {
		return 0, exists(t.b.name, k)
	}
	rev, err = t.b.write(ctx, t.ops(k, data, false, e.rev, nil, added))
	if isWrongRevision(err) {
		// Someone created it in between.
		return 0, exists(t.b.name, k)
	}
	return rev, err
}

// Update replaces the record if its current revision is expected and returns
// the new revision. A lost race (or a deleted record) is a *ConflictError
// matching ErrConflict: nothing was written.
func (t *Table[T]) Update(ctx context.Context, k Key, v T, expected uint64) (uint64, error) {
	if err := k.validate(); err != nil {
		return 0, err
	}
	var old []string
	if len(t.indexes) > 0 {
		// The index entries to drop are those of the value being replaced.
		cur, rev, err := t.Get(ctx, k)
		var corrupt *CorruptError
		switch {
		case errors.Is(err, ErrNotFound):
			return 0, &ConflictError{Bucket: t.b.name, Key: k, Expected: expected, Detail: "record does not exist"}
		case errors.As(err, &corrupt):
			// Overwriting a corrupt record is how it gets repaired. Its
			// index entries are unknown; any left stale are dropped by
			// the next query meeting them.
			rev = corrupt.Revision
		case err != nil:
			return 0, err
		default:
			old = t.indexKeys(k, cur)
		}
		if rev != expected {
			return 0, &ConflictError{Bucket: t.b.name, Key: k, Expected: expected, Detail: fmt.Sprintf("current revision is %d", rev)}
		}
	}
	return t.update(ctx, k, v, expected, old)
}

// update writes v over revision expected, whose index keys are old.
func (t *Table[T]) update(ctx context.Context, k Key, v T, expected uint64, old []string) (uint64, error) {
	data, err := t.codec.encode(t.b.name, k, v)
	if err != nil {
		return 0, err
	}
	rev, err := t.b.write(ctx, t.ops(k, data, false, expected, old, t.indexKeys(k, v)))
	return rev, t.conflict(k, expected, err)
}

// Delete removes the record if its current revision is expected (0: whatever
// it is now), with its index entries. ErrNotFound if there is no record, a
// *ConflictError if it has another revision. A corrupt record can be
// deleted.
func (t *Table[T]) Delete(ctx context.Context, k Key, expected uint64) error {
	if err := k.validate(); err != nil {
		return err
	}
	var old []string
	if len(t.indexes) > 0 || expected == 0 {
		e, found, err := t.b.last(ctx, recPrefix+string(k))
		if err != nil {
			return err
		}
		if !found || e.deleted {
			return notFound(t.b.name, k)
		}
		if expected == 0 {
			expected = e.rev
		}
		if e.rev != expected {
			return &ConflictError{Bucket: t.b.name, Key: k, Expected: expected, Detail: fmt.Sprintf("current revision is %d", e.rev)}
		}
		// A corrupt record can still be deleted. Its index entries cannot
		// be computed; they turn stale and the next query meeting them
		// removes them.
		if cur, err := t.codec.decode(t.b.name, k, e.rev, e.data); err == nil {
			old = t.indexKeys(k, cur)
		}
	}
	_, err := t.b.write(ctx, t.ops(k, nil, true, expected, old, nil))
	if isWrongRevision(err) {
		// Say "not found" rather than "conflict" when there is nothing
		// left to delete.
		if e, found, gerr := t.b.last(ctx, recPrefix+string(k)); gerr == nil && (!found || e.deleted) {
			return notFound(t.b.name, k)
		}
	}
	return t.conflict(k, expected, err)
}

// ops builds a write: index entries that disappear (in old, not in new) get
// delete markers, new ones get an empty value, and the record itself comes
// last, conditional on expected, so the batch's ack carries its revision.
// Unchanged index entries are not rewritten.
func (t *Table[T]) ops(k Key, data []byte, del bool, expected uint64, old, new []string) []op {
	keep := make(map[string]bool, len(new))
	for _, s := range new {
		keep[s] = true
	}
	had := make(map[string]bool, len(old))
	var out []op
	for _, s := range old {
		had[s] = true
		if !keep[s] {
			out = append(out, op{key: s, del: true})
		}
	}
	for _, s := range new {
		if !had[s] {
			out = append(out, op{key: s})
		}
	}
	return append(out, op{key: recPrefix + string(k), data: data, del: del, expect: true, rev: expected})
}

func isWrongRevision(err error) bool {
	var w *errWrongRevision
	return errors.As(err, &w)
}

func (t *Table[T]) conflict(k Key, expected uint64, err error) error {
	var w *errWrongRevision
	if errors.As(err, &w) {
		return &ConflictError{Bucket: t.b.name, Key: k, Expected: expected, Detail: w.detail}
	}
	return err
}

// List returns every record, sorted by key.
//
// A record whose bytes do not decode is left out and reported: the returned
// error then joins one *CorruptError per such record, next to the records
// that did decode, so one bad record cannot hide all the others from a
// caller that chooses to go on.
func (t *Table[T]) List(ctx context.Context) ([]Entry[T], error) {
	return t.ListPrefix(ctx, "")
}

// ListPrefix returns the records whose key starts with the whole tokens of
// prefix (KeyOf(uuid) selects KeyOf(uuid, anything...), not KeyOf(uuid)
// itself); the empty prefix lists everything. Corrupt records are handled as
// in List.
func (t *Table[T]) ListPrefix(ctx context.Context, prefix Key) ([]Entry[T], error) {
	if err := prefix.validatePrefix(); err != nil {
		return nil, err
	}
	filter := recPrefix + ">"
	if prefix != "" {
		filter = recPrefix + string(prefix) + ".>"
	}
	raws, err := t.b.scan(ctx, filter, false)
	if err != nil {
		return nil, err
	}
	var out []Entry[T]
	var errs []error
	for _, r := range raws {
		k := Key(strings.TrimPrefix(r.key, recPrefix))
		v, err := t.codec.decode(t.b.name, k, r.rev, r.data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, Entry[T]{Key: k, Value: v, Revision: r.rev})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, errors.Join(errs...)
}
