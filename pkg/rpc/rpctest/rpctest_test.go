package rpctest

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

func TestStartServerHasJetStream(t *testing.T) {
	s := StartServer(t)
	nc := ConnectInProcess(t, s)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "probe"})
	if err != nil {
		t.Fatalf("JetStream not usable: %v", err)
	}
	if _, err := kv.Put(t.Context(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
}

func TestClusterReplicatesKV(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster start is slow")
	}
	servers := StartCluster(t)
	nc := Connect(t, servers[0])
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "probe", Replicas: 3})
	if err != nil {
		t.Fatalf("replicated bucket: %v", err)
	}
	if _, err := kv.Put(t.Context(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	nc2 := Connect(t, servers[2])
	js2, _ := jetstream.New(nc2)
	kv2, err := js2.KeyValue(t.Context(), "probe")
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv2.Get(t.Context(), "k")
	if err != nil || string(e.Value()) != "v" {
		t.Fatalf("read via other node: %v %v", e, err)
	}
}
