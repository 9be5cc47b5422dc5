package db

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Backoff between Mutate attempts: exponential with full jitter, so that
// writers that collided once spread out instead of colliding again in step.
const (
	backoffBase = time.Millisecond
	backoffCap  = 100 * time.Millisecond
)

// Mutate reads the record, applies fn and writes the result with a
// compare-and-swap on the revision it read, starting over when another
// writer got in first, up to the table's MaxAttempts. It returns the value
// written.
//
// fn may run several times and must be free of side effects outside its
// result. It may modify cur in place. If fn returns an error (nova's
// UnexpectedTaskState check, say) nothing is written and that error is
// returned unchanged. A missing record is ErrNotFound; running out of
// attempts returns the last *ConflictError.
//
// A write error other than a conflict (a timeout, a lost connection) is
// returned without retrying: the write may have happened, and applying fn to
// its result a second time would not be the same as applying it once.
func (t *Table[T]) Mutate(ctx context.Context, k Key, fn func(cur T) (T, error)) (T, error) {
	var zero T
	if err := k.validate(); err != nil {
		return zero, err
	}
	for attempt := 1; ; attempt++ {
		cur, rev, err := t.Get(ctx, k)
		if err != nil {
			return zero, err
		}
		// Taken before fn runs, since fn may change cur in place.
		old := t.indexKeys(k, cur)
		next, err := fn(cur)
		if err != nil {
			return zero, err
		}
		_, err = t.update(ctx, k, next, rev, old)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, ErrConflict) || attempt >= t.maxAttempts {
			return zero, err
		}
		if err := sleep(ctx, jitter(attempt)); err != nil {
			return zero, err
		}
	}
}

func jitter(attempt int) time.Duration {
	d := backoffCap
	if attempt < 8 {
		d = min(backoffCap, backoffBase<<attempt)
	}
	return rand.N(d) + 1
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
