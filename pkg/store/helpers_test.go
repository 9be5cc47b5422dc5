package store

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
	"github.com/novanats/novanats/pkg/servicegroup"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// env is a store on an embedded server, with a fake clock.
type env struct {
	srv   *rpctest.Server
	st    *Store
	clock *servicegroup.FakeClock
}

func openStore(t *testing.T, srv *rpctest.Server, clock *servicegroup.FakeClock) *Store {
	t.Helper()
	js, err := jetstream.New(rpctest.ConnectInProcess(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	st, err := Open(testCtx(t), js, Config{Prefix: "cell1", Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func newEnv(t *testing.T, opts ...rpctest.Option) *env {
	t.Helper()
	srv := rpctest.StartServer(t, opts...)
	clock := servicegroup.NewFakeClock(t0)
	return &env{srv: srv, st: openStore(t, srv, clock), clock: clock}
}

// revision is the stream revision of a record, read from the raw bucket,
// to prove that a refused write wrote nothing.
func (e *env) revision(t *testing.T, bucket string, key db.Key) uint64 {
	t.Helper()
	kv, err := e.st.DB().KeyValue(bucket)
	if err != nil {
		t.Fatal(err)
	}
	ent, err := kv.Get(testCtx(t), "rec."+string(key))
	if err != nil {
		t.Fatalf("raw get %s/%s: %v", bucket, key, err)
	}
	return ent.Revision()
}

func newUUID() string { return uuid.NewString() }

func newInstance(host string) *objects.Instance {
	i := new(objects.Instance)
	i.UUID.Set(newUUID())
	i.DisplayName.Set("vm")
	i.Host.Set(host)
	i.Node.Set(host + "-node")
	i.VMState.Set(objects.VMStateActive)
	i.TaskState.SetNull()
	i.PowerState.Set(objects.PowerRunning)
	i.MemoryMB.Set(2048)
	i.VCPUs.Set(2)
	i.Metadata.Set(map[string]string{})
	return i
}

func newMigration(instanceUUID, src, dst string) *objects.Migration {
	m := new(objects.Migration)
	m.UUID.Set(newUUID())
	m.InstanceUUID.Set(instanceUUID)
	m.SourceCompute.Set(src)
	m.DestCompute.Set(dst)
	m.SourceNode.Set(src + "-node")
	m.DestNode.Set(dst + "-node")
	m.Status.Set(objects.MigrationAccepted)
	m.MigrationType.Set(objects.MigrationTypeLiveMigration)
	return m
}

func newComputeNode(host string) *objects.ComputeNode {
	n := new(objects.ComputeNode)
	n.UUID.Set(newUUID())
	n.Host.Set(host)
	n.HypervisorHostname.Set(host + "-node")
	n.HypervisorType.Set("QEMU")
	n.HypervisorVersion.Set(8002000)
	n.VCPUs.Set(16)
	n.MemoryMB.Set(65536)
	n.LocalGB.Set(500)
	n.CPUInfo.Set("{}")
	n.CPUAllocationRatio.Set(4)
	n.RAMAllocationRatio.Set(1.5)
	n.DiskAllocationRatio.Set(1)
	n.HostIP.Set("192.0.2.7")
	return n
}

func newService(host, binary, topic string) *objects.Service {
	s := new(objects.Service)
	s.Host.Set(host)
	s.Binary.Set(binary)
	s.Topic.Set(topic)
	s.Disabled.Set(false)
	s.Version.Set(1)
	return s
}

// asJSON renders an object's set fields for comparisons in messages.
func asJSON(t *testing.T, o objects.Object) string {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustNoChanges(t *testing.T, o objects.Object) {
	t.Helper()
	if c := o.ObjWhatChanged(); len(c) != 0 {
		t.Fatalf("%s has changes %v after a store operation", o.ObjName(), c)
	}
}

var testServiceGroup = servicegroup.Config{ReportInterval: 10 * time.Second, ServiceDownTime: 60 * time.Second}
