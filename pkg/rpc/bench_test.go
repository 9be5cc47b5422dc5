package rpc

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

// benchArgs is a ~200-byte, 5-field payload, the size of a typical nova
// call's arguments (an instance uuid, a host, a few flags).
type benchArgs struct {
	InstanceUUID string            `msgpack:"instance_uuid"`
	Host         string            `msgpack:"host"`
	BlockMigrate bool              `msgpack:"block_migration"`
	Retries      int               `msgpack:"retries"`
	Extra        map[string]string `msgpack:"extra"`
}

var benchPayload = benchArgs{
	InstanceUUID: "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
	Host:         "compute-17.rack-3.example.org",
	BlockMigrate: true,
	Retries:      3,
	Extra:        map[string]string{"flavor": "m1.large", "az": "nova", "reason": "rebalancing the rack", "requested_by": "operator"},
}

var (
	bCall = DefineCall[benchArgs, benchArgs]("bench", "", "echo", "1.0")
	bCast = DefineCast[benchArgs]("bench", "", "notify", "1.0", false)
)

// benchEnv starts NATS with an rpc server and a raw responder on the same
// kind of connection, doing the same work: decode the msgpack args, encode
// them back. The only difference left is novanats' envelope and bookkeeping.
func benchEnv(b testing.TB) (client *Client, raw *nats.Conn) {
	s := rpctest.StartServer(b)
	srvConn := rpctest.Connect(b, s)
	srv, err := NewServer(srvConn, Target{Topic: "bench", Server: "h"}, ServerLogger(discardLogger()), WorkerPool(benchPool))
	if err != nil {
		b.Fatal(err)
	}
	ep := srv.Endpoint("", "1.0")
	HandleCall(ep, bCall, func(ctx context.Context, a benchArgs) (benchArgs, error) { return a, nil })
	HandleCast(ep, bCast, func(ctx context.Context, a benchArgs) error { castSeen(&castsSeen.rpc); return nil })
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Stop(context.Background()) })
	_, err = srvConn.Subscribe("raw.echo", func(m *nats.Msg) {
		var a benchArgs
		_ = msgpack.Unmarshal(m.Data, &a)
		out, _ := msgpack.Marshal(&a)
		_ = m.Respond(out)
	})
	if err != nil {
		b.Fatal(err)
	}
	_, err = srvConn.Subscribe("raw.cast", func(m *nats.Msg) {
		var a benchArgs
		_ = msgpack.Unmarshal(m.Data, &a)
		castSeen(&castsSeen.raw)
	})
	if err != nil {
		b.Fatal(err)
	}
	_ = srvConn.Flush()
	nc := rpctest.Connect(b, s)
	client, err = NewClient(nc, Target{Topic: "bench", Version: "1.0"}, WithLogger(discardLogger()))
	if err != nil {
		b.Fatal(err)
	}
	return client, nc
}

func rawRequest(nc *nats.Conn) error {
	data, err := msgpack.Marshal(&benchPayload)
	if err != nil {
		return err
	}
	m, err := nc.Request("raw.echo", data, 5*time.Second)
	if err != nil {
		return err
	}
	var out benchArgs
	return msgpack.Unmarshal(m.Data, &out)
}

// The machines these run on are shared and noisy, so each benchmark runs
// the raw NATS baseline and novanats in alternating short phases within one
// run and reports both, and their ratio: drift in the machine's load hits
// both sides alike. b.N counts pairs of phases.
//
// Targets (docs/benchmarks.md): sequential call latency within 1.15x of raw
// request-reply; 16-way parallel call throughput at least 0.85x raw; cast
// throughput at least 0.8x raw publish.

// alternate runs phases of ops operations with the given parallelism, raw
// then rpc, and reports µs per operation of each and the ratio rpc/raw.
func alternate(b *testing.B, ops, parallelism int, raw, rpc func() error, after func()) {
	compare(b, ops, parallelism, "raw", raw, "rpc", rpc, after)
}

// compare runs phases of ops operations with the given parallelism, base
// then other, and reports µs per operation of each and the ratio
// other/base, of wall time and of the process's CPU time (the client, the
// embedded nats-server and the responders all run in it).
func compare(b *testing.B, ops, parallelism int, baseName string, base func() error, otherName string, other func() error, after func()) {
	var baseTime, otherTime, baseCPU, otherCPU time.Duration
	phase := func(op func() error, cpu *time.Duration) time.Duration {
		cpu0 := processCPU()
		defer func() { *cpu += processCPU() - cpu0 }()
		start := time.Now()
		var wg sync.WaitGroup
		per := ops / parallelism
		errs := make(chan error, parallelism)
		for g := 0; g < parallelism; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < per; i++ {
					if err := op(); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		if after != nil {
			after()
		}
		select {
		case err := <-errs:
			b.Fatal(err)
		default:
		}
		return time.Since(start)
	}
	// One unmeasured phase of each first, as Go's own b.N ramp-up would
	// give: the measured ones are steady state, not the first use of
	// pools, worker goroutines, reply inboxes and the heap's growth.
	var warmCPU time.Duration
	phase(base, &warmCPU)
	phase(other, &warmCPU)
	b.ReportAllocs()
	for b.Loop() {
		baseTime += phase(base, &baseCPU)
		otherTime += phase(other, &otherCPU)
	}
	n := float64(b.N * ops)
	b.ReportMetric(float64(baseTime.Microseconds())/n, baseName+"-µs/op")
	b.ReportMetric(float64(otherTime.Microseconds())/n, otherName+"-µs/op")
	b.ReportMetric(float64(otherTime)/float64(baseTime), otherName+"/"+baseName)
	if baseCPU > 0 {
		b.ReportMetric(float64(otherCPU)/float64(baseCPU), otherName+"/"+baseName+"-cpu")
	}
	b.ReportMetric(0, "ns/op") // the per-phase figures above are the result
}

func BenchmarkCallSequential(b *testing.B) {
	c, nc := benchEnv(b)
	ctx := context.Background()
	alternate(b, 50, 1,
		func() error { return rawRequest(nc) },
		func() error { _, err := bCall.Invoke(ctx, c, benchPayload); return err },
		nil)
}

func BenchmarkCallParallel16(b *testing.B) { benchCallParallel16(b, context.Background()) }

// ...InTrace: the caller is in a trace (rpc.StartTrace), so every message
// also carries a traceparent header. No target: it shows what tracing costs.
func BenchmarkCallParallel16InTrace(b *testing.B) {
	benchCallParallel16(b, StartTrace(context.Background()))
}

func benchCallParallel16(b *testing.B, ctx context.Context) {
	c, nc := benchEnv(b)
	alternate(b, 800, 16,
		func() error { return rawRequest(nc) },
		func() error { _, err := bCall.Invoke(ctx, c, benchPayload); return err },
		nil)
}

func BenchmarkCast(b *testing.B) { benchCast(b, context.Background()) }

func BenchmarkCastInTrace(b *testing.B) { benchCast(b, StartTrace(context.Background())) }

// Cast throughput is messages handled per second: a phase ends when its
// receiver has handled every message it published, not when the last one
// left, or one phase's backlog would be worked off in the next.
func benchCast(b *testing.B, ctx context.Context) {
	c, nc := benchEnv(b)
	w := newCastWaiter()
	alternate(b, 2000, 1,
		func() error {
			data, err := msgpack.Marshal(&benchPayload)
			if err != nil {
				return err
			}
			w.rawSent++
			return nc.Publish("raw.cast", data)
		},
		func() error { w.rpcSent++; return bCast.Cast(ctx, c, benchPayload) },
		w.await)
}

// castsSeen counts the casts each receiver of benchEnv has handled.
var castsSeen = struct {
	raw, rpc atomic.Int64
	progress chan struct{}
}{progress: make(chan struct{}, 1)}

func castSeen(n *atomic.Int64) {
	n.Add(1)
	select {
	case castsSeen.progress <- struct{}{}:
	default: // a wake-up is already pending: the waiter rechecks both counts
	}
}

// castWaiter counts what one benchmark sends to each receiver (from one
// goroutine: casts run with parallelism 1) and waits until it is handled.
type castWaiter struct {
	rawBase, rpcBase int64
	rawSent, rpcSent int64
}

func newCastWaiter() *castWaiter {
	return &castWaiter{rawBase: castsSeen.raw.Load(), rpcBase: castsSeen.rpc.Load()}
}

func (w *castWaiter) await() { awaitCasts(w.rawBase+w.rawSent, w.rpcBase+w.rpcSent) }

// awaitCasts waits until the raw and rpc receivers have handled raw and
// rpc casts in all.
func awaitCasts(raw, rpc int64) {
	for castsSeen.raw.Load() < raw || castsSeen.rpc.Load() < rpc {
		<-castsSeen.progress
	}
}

// The header every novanats message carries (the request id, which nova's
// tools need without decoding the body) costs NATS itself: nats.go encodes
// it on publish and parses it into a map on receipt. These compare raw
// NATS with the same raw NATS plus just that header, with a fixed value
// (no id generation, no envelope): a floor under what any implementation
// carrying it can reach, measured in the same run.
var benchHeaders = nats.Header{HeaderRequestID: {NewRequestID()}}

func BenchmarkHeadersOnlyCallParallel16(b *testing.B) {
	_, nc := benchEnv(b)
	compare(b, 800, 16,
		"raw", func() error { return rawRequest(nc) },
		"hdr", func() error {
			data, err := msgpack.Marshal(&benchPayload)
			if err != nil {
				return err
			}
			m, err := nc.RequestMsg(&nats.Msg{Subject: "raw.echo", Data: data, Header: benchHeaders}, 5*time.Second)
			if err != nil {
				return err
			}
			var out benchArgs
			return msgpack.Unmarshal(m.Data, &out)
		},
		nil)
}

func BenchmarkHeadersOnlyCast(b *testing.B) {
	_, nc := benchEnv(b)
	w := newCastWaiter()
	publish := func(hdr nats.Header) func() error {
		return func() error {
			data, err := msgpack.Marshal(&benchPayload)
			if err != nil {
				return err
			}
			w.rawSent++ // both sides go to the raw subscriber
			return nc.PublishMsg(&nats.Msg{Subject: "raw.cast", Data: data, Header: hdr})
		}
	}
	compare(b, 2000, 1, "raw", publish(nil), "hdr", publish(benchHeaders), w.await)
}

// benchPool is the server's worker pool in the benchmarks: nova's default.
var benchPool = DefaultWorkerPool
