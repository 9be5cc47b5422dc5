package rpc_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/nats-io/nats.go"

	"github.com/novanats/novanats/pkg/natsembed"
	"github.com/novanats/novanats/pkg/rpc"
)

type greetArgs struct {
	Name string `msgpack:"name"`
}

// The method is declared once; the client stub and the handler both name it.
var greet = rpc.DefineCall[greetArgs, string]("greeter", "", "greet", "1.0")

func Example() {
	dir, _ := os.MkdirTemp("", "rpc-example-")
	defer os.RemoveAll(dir)
	ns, err := natsembed.Start(natsembed.Config{Name: "example", StoreDir: dir})
	if err != nil {
		panic(err)
	}
	defer ns.Shutdown()
	nc, _ := nats.Connect(ns.ClientURL())
	defer nc.Close()
	quiet := slog.New(slog.DiscardHandler)

	srv, _ := rpc.NewServer(nc, rpc.Target{Topic: "greeter", Server: "host-1"}, rpc.ServerLogger(quiet))
	rpc.HandleCall(srv.Endpoint("", "1.0"), greet, func(ctx context.Context, a greetArgs) (string, error) {
		return "hello, " + a.Name, nil
	})
	_ = srv.Start()
	defer srv.Stop(context.Background())

	client, _ := rpc.NewClient(nc, rpc.Target{Topic: "greeter"}, rpc.WithLogger(quiet))
	reply, err := greet.Invoke(context.Background(), client.MustPrepare(rpc.ToServer("host-1")), greetArgs{Name: "nova"})
	fmt.Println(reply, err)
	// Output: hello, nova <nil>
}
