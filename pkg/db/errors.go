package db

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers test them with errors.Is; the concrete errors
// returned carry the bucket and key so a log line is enough to find the record.
var (
	// ErrNotFound: the key has no live value (never written, or deleted).
	ErrNotFound = errors.New("db: not found")
	// ErrExists: Create found a live value under the key.
	ErrExists = errors.New("db: already exists")
	// ErrConflict: a compare-and-swap lost against a concurrent writer. The
	// write did not happen; re-read and retry (Mutate does this for you).
	ErrConflict = errors.New("db: revision conflict")
	// ErrCorrupt: stored bytes could not be decoded by the table's codec.
	ErrCorrupt = errors.New("db: corrupt record")
	// ErrInvalidKey: a key that is not in the canonical escaped form of
	// KeyOf, so it could smuggle wildcards or extra tokens into a subject.
	ErrInvalidKey = errors.New("db: invalid key")
)

// ConflictError reports a lost compare-and-swap. It matches ErrConflict.
type ConflictError struct {
	Bucket   string
	Key      Key
	Expected uint64 // the revision the writer expected to replace (0: absent)
	Detail   string // the server's wording, when it came from the server
}

func (e *ConflictError) Error() string {
	msg := fmt.Sprintf("db: revision conflict on %s/%s: expected revision %d", e.Bucket, e.Key, e.Expected)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Retryable says that nothing was written and the operation can be retried
// after re-reading the record.
func (e *ConflictError) Retryable() bool { return true }

// CorruptError names the bucket, key and revision whose bytes the codec
// rejected (or panicked on). It matches ErrCorrupt and unwraps to the codec's
// error.
type CorruptError struct {
	Bucket   string
	Key      Key
	Revision uint64
	Err      error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("db: corrupt record in bucket %s key %s (revision %d): %v", e.Bucket, e.Key, e.Revision, e.Err)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func (e *CorruptError) Unwrap() error { return e.Err }

// notFound and exists wrap the sentinels with the location.
func notFound(bucket string, k Key) error {
	return fmt.Errorf("%w: %s/%s", ErrNotFound, bucket, k)
}

func exists(bucket string, k Key) error {
	return fmt.Errorf("%w: %s/%s", ErrExists, bucket, k)
}
