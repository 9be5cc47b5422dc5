package rpc

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vmihailenco/msgpack/v5"
)

// Per-message CPU without the network, to see what the envelope adds to
// what every sender and receiver does anyway (encode and decode the args).

func BenchmarkEncodeArgsOnly(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := msgpack.Marshal(&benchPayload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeEnvelope(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		rc, ok := RequestContextFrom(ctx)
		if !ok {
			rc = NewRequestContext()
		}
		h := RequestHeader{Envelope: EnvelopeVersion, MessageID: "x", Method: "notify", Version: "1.0", Context: rc}
		body, err := encodeRequest(&h, benchPayload)
		if err != nil {
			b.Fatal(err)
		}
		msg := &nats.Msg{Subject: "s", Data: body, Header: nats.Header{HeaderRequestID: {rc.RequestID}, HeaderTraceParent: {newTraceParent("")}}}
		_ = msg
	}
}

func BenchmarkDecodeArgsOnly(b *testing.B) {
	data, _ := msgpack.Marshal(&benchPayload)
	b.ReportAllocs()
	for b.Loop() {
		var a benchArgs
		if err := msgpack.Unmarshal(data, &a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeEnvelope(b *testing.B) {
	h := RequestHeader{Envelope: EnvelopeVersion, MessageID: "x", Method: "notify", Version: "1.0", Context: NewRequestContext()}
	data, _ := encodeRequest(&h, benchPayload)
	b.ReportAllocs()
	for b.Loop() {
		req, err := DecodeRequest(data)
		if err != nil {
			b.Fatal(err)
		}
		ctx := handlerContext(context.Background(), req.Context, "", time.Time{})
		var a benchArgs
		if err := decodeArgs(req.Args, &a, req.Method); err != nil {
			b.Fatal(err)
		}
		_ = ctx
	}
}

// Per-invocation metrics: the cached series against looking each vector's
// child up by its label values, as every invocation did before.
func BenchmarkMetricsCached(b *testing.B) {
	m := NewMetrics(prometheus.NewRegistry())
	b.ReportAllocs()
	for b.Loop() {
		inv := m.begin("client", "compute", "live_migration", CallTypeCall, "", "6.0", "host")
		inv.finish(0.001, nil)
	}
}

func BenchmarkMetricsLabelLookup(b *testing.B) {
	m := NewMetrics(prometheus.NewRegistry())
	sm := m.side["client"]
	b.ReportAllocs()
	for b.Loop() {
		labels := []string{"compute", "live_migration", CallTypeCall, "", "6.0"}
		sm.start.WithLabelValues(labels...).Inc()
		sm.inFlight.WithLabelValues(labels...).Inc()
		sm.inFlight.WithLabelValues(labels...).Dec()
		sm.end.WithLabelValues(append(labels, "")...).Inc()
		sm.duration.WithLabelValues(labels...).Observe(0.001)
	}
}
