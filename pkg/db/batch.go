package db

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Atomic batch publish (nats-server 2.12+, stream option allow_atomic).
//
// nats.go v1.55 knows the stream option but has no publishing API for it (that
// lives in the separate orbit.go module), so the protocol is spoken here. It
// is small: every message carries Nats-Batch-Id and Nats-Batch-Sequence
// (1..n); the last one also carries Nats-Batch-Commit: 1 and is sent as a
// request. The server stages the messages, runs every per-message check
// (including Nats-Expected-Last-Subject-Sequence) at commit time, and then
// stores all of them or none; message gets (direct or through the leader)
// never observe half a batch. The only answer is the commit's PubAck,
// carrying the sequence of the last message, or an error for the whole
// batch. Staged messages are abandoned by the server after 10s without a
// commit.
const (
	batchIDHeader     = "Nats-Batch-Id"
	batchSeqHeader    = "Nats-Batch-Sequence"
	batchCommitHeader = "Nats-Batch-Commit"

	// maxAtomicBatch is the server's default limit on messages per batch.
	maxAtomicBatch = 1000
	// defaultTimeout bounds a request when ctx has no deadline and the
	// JetStream handle sets none, like the jetstream package's default.
	defaultTimeout = 5 * time.Second
)

// withTimeout gives ctx js's default timeout if it has no deadline, as the
// jetstream package does for its own requests.
func withTimeout(ctx context.Context, js jetstream.JetStream) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	d := js.Options().DefaultTimeout
	if d <= 0 {
		d = defaultTimeout
	}
	return context.WithTimeout(ctx, d)
}

type batchAck struct {
	Error    *jetstream.APIError `json:"error,omitempty"`
	Stream   string              `json:"stream"`
	Sequence uint64              `json:"seq"`
	BatchID  string              `json:"batch,omitempty"`
	Count    uint64              `json:"count,omitempty"`
}

// publishAtomic sends msgs as one atomic batch and returns the stream
// sequence of the last one. A server-side rejection comes back as a
// *jetstream.APIError. The messages are modified (headers added).
func publishAtomic(ctx context.Context, nc *nats.Conn, msgs []*nats.Msg) (uint64, error) {
	if len(msgs) > maxAtomicBatch {
		return 0, fmt.Errorf("atomic batch of %d messages exceeds %d", len(msgs), maxAtomicBatch)
	}
	id := uuid.NewString()
	last := len(msgs) - 1
	for i, m := range msgs {
		if m.Header == nil {
			m.Header = nats.Header{}
		}
		m.Header.Set(batchIDHeader, id)
		m.Header.Set(batchSeqHeader, strconv.Itoa(i+1))
		if i == last {
			m.Header.Set(batchCommitHeader, "1")
			break
		}
		// Fire and forget: one connection keeps order, and any problem
		// with a staged message is reported by the commit.
		if err := nc.PublishMsg(m); err != nil {
			return 0, err
		}
	}
	resp, err := nc.RequestMsgWithContext(ctx, msgs[last])
	if err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	var ack batchAck
	if err := json.Unmarshal(resp.Data, &ack); err != nil {
		return 0, fmt.Errorf("commit: unreadable reply %q: %w", resp.Data, err)
	}
	if ack.Error != nil {
		return 0, ack.Error
	}
	if ack.BatchID != id || ack.Count != uint64(len(msgs)) {
		return 0, fmt.Errorf("commit: reply for batch %q of %d, sent %q of %d", ack.BatchID, ack.Count, id, len(msgs))
	}
	return ack.Sequence, nil
}
