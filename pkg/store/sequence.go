package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/novanats/novanats/pkg/db"
)

const bucketSequences = "sequences"

// sequences hands out nova's integer ids: one counter record per table,
// incremented with compare-and-swap, so two conductors never hand out the
// same id. An id taken by a create that then fails is skipped, as a SQL
// auto-increment skips it.
type sequences struct{ t *db.Table[uint64] }

func newSequences(d *db.DB) (*sequences, error) {
	t, err := db.NewTable(d, db.TableConfig[uint64]{Bucket: bucketSequences, Codec: db.MsgpackCodec[uint64](), MaxAttempts: DefaultMaxAttempts})
	if err != nil {
		return nil, err
	}
	return &sequences{t: t}, nil
}

// next returns the next id of the named table, starting at 1.
func (s *sequences) next(ctx context.Context, name string) (int, error) {
	k := db.KeyOf(name)
	for {
		n, err := s.t.Mutate(ctx, k, func(cur uint64) (uint64, error) { return cur + 1, nil })
		if err == nil {
			return int(n), nil
		}
		if !errors.Is(err, db.ErrNotFound) {
			return 0, fmt.Errorf("store: next id of %s: %w", name, err)
		}
		_, err = s.t.Create(ctx, k, 1)
		if err == nil {
			return 1, nil
		}
		if !errors.Is(err, db.ErrExists) {
			return 0, fmt.Errorf("store: next id of %s: %w", name, err)
		}
		// Another writer created the counter first: increment theirs.
	}
}
