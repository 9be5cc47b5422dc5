package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// KV wire conventions shared with nats.go's KeyValue, so that `nats kv` and
// KeyValue.Watch read what we write.
const (
	kvOperationHeader = "KV-Operation"
	kvDelete          = "DEL"
	kvPurge           = "PURGE"
)

// bucket is one KV bucket seen as what it is underneath: a stream whose
// subjects are "$KV.<bucket>.<key>" and whose sequence numbers are the
// revisions. Reads use direct get; writes are publishes with the
// expected-last-subject-sequence header, alone or as one atomic batch.
type bucket struct {
	name          string
	subject       string // "$KV.<bucket>."
	kv            jetstream.KeyValue
	stream        jetstream.Stream
	js            jetstream.JetStream
	followerReads bool
}

func newBucket(js jetstream.JetStream, kv jetstream.KeyValue, stream jetstream.Stream, name string, followerReads bool) *bucket {
	return &bucket{name: name, subject: "$KV." + name + ".", kv: kv, stream: stream, js: js, followerReads: followerReads}
}

// rawEntry is the last message of a key. A delete marker is returned as an
// entry (deleted=true) because Create must expect its revision.
type rawEntry struct {
	data    []byte
	rev     uint64
	deleted bool
}

// last returns the newest message of key; found is false when the key never
// existed or its history was purged.
func (b *bucket) last(ctx context.Context, key string) (e rawEntry, found bool, err error) {
	var m *jetstream.RawStreamMsg
	if b.followerReads {
		m, err = b.stream.GetLastMsgForSubject(ctx, b.subject+key)
	} else {
		m, err = b.leaderLast(ctx, b.subject+key)
	}
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return rawEntry{}, false, nil
	}
	if err != nil {
		return rawEntry{}, false, fmt.Errorf("db: get %s/%s: %w", b.name, key, err)
	}
	return rawEntry{data: m.Data, rev: m.Sequence, deleted: isDeleteMarker(m.Header)}, true, nil
}

// leaderLast reads the last message of subject through the stream leader
// ($JS.API.STREAM.MSG.GET), not through direct get. A KV stream allows
// direct get, and nats.go then always uses it; on a replicated stream any
// replica answers a direct get, and a follower may not have applied a write
// that the leader already acknowledged. A service that writes a record and
// reads it back (or tells another service to) must see its write, so this is
// the default. Like direct get, it never observes half an atomic batch.
func (b *bucket) leaderLast(ctx context.Context, subject string) (*jetstream.RawStreamMsg, error) {
	ctx, cancel := withTimeout(ctx, b.js)
	defer cancel()
	req, err := json.Marshal(struct {
		LastFor string `json:"last_by_subj"`
	}{subject})
	if err != nil {
		return nil, err
	}
	resp, err := b.js.Conn().RequestWithContext(ctx, apiPrefix(b.js)+"STREAM.MSG.GET.KV_"+b.name, req)
	if err != nil {
		return nil, err
	}
	var r struct {
		Error   *jetstream.APIError `json:"error,omitempty"`
		Message *struct {
			Subject  string `json:"subject"`
			Sequence uint64 `json:"seq"`
			Header   []byte `json:"hdrs,omitempty"`
			Data     []byte `json:"data,omitempty"`
		} `json:"message,omitempty"`
	}
	if err := json.Unmarshal(resp.Data, &r); err != nil {
		return nil, fmt.Errorf("unreadable reply %q: %w", resp.Data, err)
	}
	if r.Error != nil {
		if r.Error.ErrorCode == jetstream.JSErrCodeMessageNotFound {
			return nil, jetstream.ErrMsgNotFound
		}
		return nil, r.Error
	}
	if r.Message == nil {
		return nil, fmt.Errorf("reply without message: %q", resp.Data)
	}
	m := &jetstream.RawStreamMsg{Subject: r.Message.Subject, Sequence: r.Message.Sequence, Data: r.Message.Data}
	if len(r.Message.Header) > 0 {
		if m.Header, err = nats.DecodeHeadersMsg(r.Message.Header); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// apiPrefix is the JetStream API subject prefix js sends its requests to.
func apiPrefix(js jetstream.JetStream) string {
	o := js.Options()
	switch {
	case o.Domain != "":
		return "$JS." + o.Domain + ".API."
	case o.APIPrefix != "":
		if strings.HasSuffix(o.APIPrefix, ".") {
			return o.APIPrefix
		}
		return o.APIPrefix + "."
	}
	return jetstream.DefaultAPIPrefix
}

func isDeleteMarker(h nats.Header) bool {
	if len(h) == 0 {
		return false
	}
	switch h.Get(kvOperationHeader) {
	case kvDelete, kvPurge:
		return true
	}
	// Markers the server writes itself (max age, purge with TTL).
	return h.Get(jetstream.MarkerReasonHeader) != ""
}

// op is one message of a write: a value or a delete marker for a key,
// optionally conditional on the key's current revision.
type op struct {
	key    string
	data   []byte
	del    bool
	expect bool   // check the revision before writing
	rev    uint64 // expected current revision; 0 means "the key has no messages"
}

func (b *bucket) msg(o op) *nats.Msg {
	m := nats.NewMsg(b.subject + o.key)
	m.Data = o.data
	if o.del {
		m.Header.Set(kvOperationHeader, kvDelete)
	}
	if o.expect {
		m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(o.rev, 10))
	}
	return m
}

// errWrongRevision is what the server says when an expectation failed; the
// table turns it into a ConflictError or ErrExists with the key it knows.
type errWrongRevision struct{ detail string }

func (e *errWrongRevision) Error() string { return "wrong last sequence: " + e.detail }

func isWrongLastSeq(code jetstream.ErrorCode) bool {
	// 10071 on R1 streams; 10164 on replicated ones and for a subject that
	// another in-flight write is already changing.
	return code == jetstream.JSErrCodeStreamWrongLastSequence || code == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}

// write stores ops all-or-nothing and returns the revision of the last op.
// One op is a plain publish; more go out as one atomic batch, so a reader
// never sees a record without its index entries or the other way round.
func (b *bucket) write(ctx context.Context, ops []op) (uint64, error) {
	switch len(ops) {
	case 0:
		return 0, nil
	case 1:
		ack, err := b.js.PublishMsg(ctx, b.msg(ops[0]))
		if err != nil {
			var apiErr *jetstream.APIError
			if errors.As(err, &apiErr) && isWrongLastSeq(apiErr.ErrorCode) {
				return 0, &errWrongRevision{detail: apiErr.Description}
			}
			return 0, fmt.Errorf("db: write %s/%s: %w", b.name, ops[0].key, err)
		}
		return ack.Sequence, nil
	}
	msgs := make([]*nats.Msg, len(ops))
	for i, o := range ops {
		msgs[i] = b.msg(o)
	}
	ctx, cancel := withTimeout(ctx, b.js)
	defer cancel()
	seq, err := publishAtomic(ctx, b.js.Conn(), msgs)
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && isWrongLastSeq(apiErr.ErrorCode) {
			return 0, &errWrongRevision{detail: apiErr.Description}
		}
		return 0, fmt.Errorf("db: batch write to %s (%d messages): %w", b.name, len(ops), err)
	}
	return seq, nil
}

// rawKV is one key's latest message found by scan.
type rawKV struct {
	key  string
	data []byte
	rev  uint64
}

// scan returns the latest live message of every key matching filter (a KV
// key pattern such as "rec.>"), in one pass of an ordered consumer rather
// than one request per key. With metaOnly the values are not transferred.
func (b *bucket) scan(ctx context.Context, filter string, metaOnly bool) ([]rawKV, error) {
	opts := []jetstream.WatchOpt{jetstream.IgnoreDeletes()}
	if metaOnly {
		opts = append(opts, jetstream.MetaOnly())
	}
	w, err := b.kv.WatchFiltered(ctx, []string{filter}, opts...)
	if err != nil {
		return nil, fmt.Errorf("db: scan %s/%s: %w", b.name, filter, err)
	}
	defer stopWatcher(w)
	var out []rawKV
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("db: scan %s/%s: %w", b.name, filter, ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("db: scan %s/%s: watcher closed", b.name, filter)
			}
			if e == nil { // all values present at the start have been delivered
				return out, nil
			}
			out = append(out, rawKV{key: e.Key(), data: e.Value(), rev: e.Revision()})
		}
	}
}

// stopWatcher unsubscribes and drains: nats.go's watcher callback blocks
// (holding the watcher's lock) on a full updates channel, and the channel is
// closed only after that lock is free, so a watcher left undrained would
// strand a goroutine.
func stopWatcher(w jetstream.KeyWatcher) {
	_ = w.Stop()
	go func() {
		for range w.Updates() {
		}
	}()
}

// putIfRecordAt writes an empty value under key only if the last message of
// another key (the record) is still revision rev, using the server's
// expected-last-subject-sequence-for-subject check.
func (b *bucket) putIfRecordAt(ctx context.Context, key, recordKey string, rev uint64) error {
	m := nats.NewMsg(b.subject + key)
	m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(rev, 10))
	m.Header.Set(jetstream.ExpectedLastSubjSeqSubjHeader, b.subject+recordKey)
	if _, err := b.js.PublishMsg(ctx, m); err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && isWrongLastSeq(apiErr.ErrorCode) {
			return &errWrongRevision{detail: apiErr.Description}
		}
		return fmt.Errorf("db: write %s/%s: %w", b.name, key, err)
	}
	return nil
}
