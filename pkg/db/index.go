package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Index is a secondary index on a table: Values lists the values a record is
// found under (none, one, or several: a migration is in progress on both its
// source and its destination host). Values must depend only on the record.
//
// Each value becomes an entry "idx.<Name>.<EscapeToken(value)>.<key>" with an
// empty body in the table's bucket. Entries are written in the same atomic
// batch as the record (see the package documentation), so they are exact;
// queries still confirm every hit against the record, which keeps them right
// even if an entry was left behind by a tool writing the bucket by hand or by
// a bug, and such stale entries are removed on the way.
type Index[T any] struct {
	Name   string
	Values func(T) []string
}

// indexKeys are the index entry keys of v, sorted and without duplicates.
func (t *Table[T]) indexKeys(k Key, v T) []string {
	var out []string
	for i := range t.indexes {
		ix := &t.indexes[i]
		for _, val := range ix.Values(v) {
			out = append(out, idxPrefix+ix.Name+"."+EscapeToken(val)+"."+string(k))
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// ByIndex returns the records that the named index currently maps value to,
// sorted by key. Every index entry is checked against the record it points to:
// an entry whose record is gone or no longer yields value is skipped and
// deleted (conditionally on the entry's own revision, so an entry re-added in
// the meantime stays). Corrupt records are handled as in List.
func (t *Table[T]) ByIndex(ctx context.Context, index, value string) ([]Entry[T], error) {
	if _, ok := t.byName[index]; !ok {
		return nil, fmt.Errorf("db: table %s has no index %q", t.b.name, index)
	}
	hits, err := t.b.scan(ctx, idxPrefix+index+"."+EscapeToken(value)+".>", true)
	if err != nil {
		return nil, err
	}
	var out []Entry[T]
	var errs []error
	for _, h := range hits {
		e, live, err := t.checkIndexEntry(ctx, h)
		switch {
		case errors.Is(err, ErrCorrupt):
			errs = append(errs, err) // cannot tell whether it is stale: keep it
		case err != nil:
			return nil, err
		case live:
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, errors.Join(errs...)
}

// checkIndexEntry reads the record an index entry points to and says whether
// the record still yields the entry; a stale entry is dropped.
func (t *Table[T]) checkIndexEntry(ctx context.Context, h rawKV) (Entry[T], bool, error) {
	// idx.<index>.<value>.<key...>
	parts := strings.SplitN(h.key, ".", 4)
	if len(parts) != 4 {
		t.dropIndexEntry(ctx, h) // not an entry this table can have written
		return Entry[T]{}, false, nil
	}
	ix := t.byName[parts[1]]
	value, verr := UnescapeToken(parts[2])
	k := Key(parts[3])
	if ix == nil || verr != nil || k.validate() != nil {
		t.dropIndexEntry(ctx, h)
		return Entry[T]{}, false, nil
	}
	v, rev, err := t.Get(ctx, k)
	if errors.Is(err, ErrNotFound) {
		t.dropIndexEntry(ctx, h)
		return Entry[T]{}, false, nil
	}
	if err != nil {
		return Entry[T]{}, false, err
	}
	if !slices.Contains(ix.Values(v), value) {
		t.dropIndexEntry(ctx, h)
		return Entry[T]{}, false, nil
	}
	return Entry[T]{Key: k, Value: v, Revision: rev}, true, nil
}

// dropIndexEntry deletes a stale entry if it is still the revision we saw.
// Failure is harmless (the entry stays a filtered-out hint), so it is not
// reported.
func (t *Table[T]) dropIndexEntry(ctx context.Context, h rawKV) {
	_, _ = t.b.write(ctx, []op{{key: h.key, del: true, expect: true, rev: h.rev}})
}

// Reindex rebuilds the index entries of every record: it adds the entries a
// record should have and lacks (after a new Index was declared on an existing
// table) and drops entries no record backs. Each added entry is conditional
// on the record's revision, so a record changing meanwhile keeps the entries
// its own write gave it. It returns how many entries it added and dropped.
func (t *Table[T]) Reindex(ctx context.Context) (added, dropped int, err error) {
	recs, err := t.List(ctx)
	if err != nil {
		return 0, 0, err
	}
	want := map[string]bool{}
	for _, r := range recs {
		for _, ik := range t.indexKeys(r.Key, r.Value) {
			want[ik] = true
		}
	}
	have, err := t.b.scan(ctx, idxPrefix+">", true)
	if err != nil {
		return 0, 0, err
	}
	present := map[string]bool{}
	for _, h := range have {
		present[h.key] = true
		if want[h.key] {
			continue
		}
		// Not backed by the snapshot, but the record may have been
		// written since: judge on a fresh read, like a query does.
		_, live, err := t.checkIndexEntry(ctx, h)
		if err == nil && !live {
			dropped++
		}
	}
	for _, r := range recs {
		for _, ik := range t.indexKeys(r.Key, r.Value) {
			if present[ik] {
				continue
			}
			if err := t.b.putIfRecordAt(ctx, ik, recPrefix+string(r.Key), r.Revision); err != nil {
				if isWrongRevision(err) {
					continue // the record moved on; its writer set its entries
				}
				return added, dropped, err
			}
			added++
		}
	}
	return added, dropped, nil
}
