// Command callcast runs one call and one cast through pkg/rpc against an
// embedded NATS server: the smallest complete picture of the RPC layer.
//
//	go run ./examples/callcast
package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/natsembed"
	"github.com/novanats/novanats/pkg/rpc"
)

// The method table: one declaration per method, named by both sides.
type checkArgs struct {
	InstanceUUID string `msgpack:"instance_uuid"`
	DestHost     string `msgpack:"dest_host"`
}

type checkReply struct {
	CanMigrate bool   `msgpack:"can_migrate"`
	CheckedBy  string `msgpack:"checked_by"`
}

var (
	checkCanLiveMigrate = rpc.DefineCall[checkArgs, checkReply]("compute", "", "check_can_live_migrate_destination", "6.0")
	refreshResources    = rpc.DefineCast[checkArgs]("compute", "", "update_available_resource", "6.0", false)
)

func main() {
	dir, err := os.MkdirTemp("", "novanats-callcast-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ns, err := natsembed.Start(natsembed.Config{Name: "callcast", StoreDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	quiet := slog.New(slog.DiscardHandler)

	// The server side: compute on host "compute-2".
	srv, err := rpc.NewServer(nc, rpc.Target{Topic: "compute", Server: "compute-2"}, rpc.ServerLogger(quiet))
	if err != nil {
		log.Fatal(err)
	}
	casted := make(chan string, 1)
	ep := srv.Endpoint("", "6.1")
	rpc.HandleCall(ep, checkCanLiveMigrate, func(ctx context.Context, a checkArgs) (checkReply, error) {
		return checkReply{CanMigrate: true, CheckedBy: "compute-2"}, nil
	})
	rpc.HandleCast(ep, refreshResources, func(ctx context.Context, a checkArgs) error {
		rc, _ := rpc.RequestContextFrom(ctx)
		casted <- rc.RequestID
		return nil
	})
	if err := srv.Start(); err != nil {
		log.Fatal(err)
	}
	defer srv.Stop(context.Background())

	// The client side: conductor asking the destination.
	client, err := rpc.NewClient(nc, rpc.Target{Topic: "compute", Version: "6.0"}, rpc.WithLogger(quiet))
	if err != nil {
		log.Fatal(err)
	}
	dest := client.MustPrepare(rpc.ToServer("compute-2"))
	ctx := context.Background()
	start := time.Now()
	reply, err := checkCanLiveMigrate.Invoke(ctx, dest, checkArgs{InstanceUUID: "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", DestHost: "compute-2"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("call  compute.compute-2 check_can_live_migrate_destination -> can_migrate=%v (checked by %s) in %s\n",
		reply.CanMigrate, reply.CheckedBy, time.Since(start).Round(time.Microsecond))

	ctx = rpc.StartTrace(rpc.WithRequestContext(ctx, rpc.NewRequestContext()))
	if err := refreshResources.Cast(ctx, dest, checkArgs{}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("cast  compute.compute-2 update_available_resource -> handled, request id %s\n", <-casted)

	_, err = checkCanLiveMigrate.Invoke(ctx, client.MustPrepare(rpc.ToServer("compute-9")), checkArgs{})
	fmt.Printf("call  compute.compute-9 (nobody there) -> %v\n", err)
}
