package db

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

// vm is a small stand-in for nova's Instance.
type vm struct {
	UUID      string
	Host      string
	TaskState string
	Counter   int
}

// migration is a small stand-in for nova's Migration.
type migration struct {
	ID       string
	Instance string
	Source   string
	Dest     string
	Status   string
}

func (m migration) inProgress() bool {
	switch m.Status {
	case "completed", "error", "failed", "cancelled":
		return false
	}
	return true
}

var testBuckets = []BucketSpec{
	{Name: "vms", Description: "test vms"},
	{Name: "migrations", Description: "test migrations", History: 10},
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func connectJS(t *testing.T, s *rpctest.Server) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(rpctest.ConnectInProcess(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func openTestDB(t *testing.T, js jetstream.JetStream) *DB {
	t.Helper()
	d, err := Open(testCtx(t), js, Config{Prefix: "cell1", Buckets: testBuckets})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// startDB runs an embedded server and opens the test buckets on it.
func startDB(t *testing.T) (*DB, jetstream.JetStream, *rpctest.Server) {
	t.Helper()
	s := rpctest.StartServer(t)
	js := connectJS(t, s)
	return openTestDB(t, js), js, s
}

func vmByHost(v vm) []string {
	if v.Host == "" {
		return nil
	}
	return []string{v.Host}
}

func vmTable(t *testing.T, d *DB) *Table[vm] {
	t.Helper()
	tb, err := NewTable(d, TableConfig[vm]{
		Bucket:  "vms",
		Codec:   MsgpackCodec[vm](),
		Indexes: []Index[vm]{{Name: "host", Values: vmByHost}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func migrationTable(t *testing.T, d *DB) *Table[migration] {
	t.Helper()
	tb, err := NewTable(d, TableConfig[migration]{
		Bucket: "migrations",
		Codec:  JSONCodec[migration](),
		Indexes: []Index[migration]{
			{Name: "instance", Values: func(m migration) []string {
				if !m.inProgress() {
					return nil
				}
				return []string{m.Instance}
			}},
			{Name: "host", Values: func(m migration) []string {
				if !m.inProgress() {
					return nil
				}
				return []string{m.Source, m.Dest}
			}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func mustCreate[T any](t *testing.T, tb *Table[T], k Key, v T) uint64 {
	t.Helper()
	rev, err := tb.Create(testCtx(t), k, v)
	if err != nil {
		t.Fatalf("create %s: %v", k, err)
	}
	return rev
}

func keysOf[T any](es []Entry[T]) []Key {
	out := make([]Key, len(es))
	for i, e := range es {
		out[i] = e.Key
	}
	return out
}

// rawKeys lists the live keys of a bucket matching filter.
func rawKeys(t *testing.T, kv jetstream.KeyValue, filter string) []string {
	t.Helper()
	l, err := kv.ListKeysFiltered(testCtx(t), filter)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for k := range l.Keys() {
		out = append(out, k)
	}
	return out
}
