package natsauth_test

// These tests start an embedded nats-server from the rendered auth config
// (parsed by nats-server's own config parser with the variables in the
// environment, exactly as the NATS pods load it) and check what each
// credential can and cannot do.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/novanats/novanats/pkg/natsauth"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
)

// authServer is an embedded nats-server running the rendered authorization.
type authServer struct {
	srv   *rpctest.Server
	creds *natsauth.Credentials
	dir   string
}

func startAuthServer(t *testing.T, hosts ...string) *authServer {
	t.Helper()
	d := natsauth.Description{ComputeHosts: hosts}
	conf, err := d.Config()
	if err != nil {
		t.Fatal(err)
	}
	creds, err := natsauth.Generate(d)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The same layout as the NATS pods: nats.conf includes auth.conf.
	if err := os.WriteFile(filepath.Join(dir, "auth.conf"), conf, 0o600); err != nil {
		t.Fatal(err)
	}
	main := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(main, []byte("include auth.conf\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range creds.ServerEnv() {
		t.Setenv(k, v)
	}
	parsed, err := server.ProcessConfigFile(main)
	if err != nil {
		t.Fatalf("nats-server rejects the rendered config: %v\n%s", err, conf)
	}
	if got, want := len(parsed.Users)+len(parsed.Nkeys), 2+len(hosts); got != want {
		t.Fatalf("parsed %d users, want %d", got, want)
	}
	srv := rpctest.StartServer(t, rpctest.WithServerOptions(func(o *server.Options) {
		o.Users = parsed.Users
		o.Nkeys = parsed.Nkeys
	}))
	return &authServer{srv: srv, creds: creds, dir: dir}
}

// seedFile writes k's seed where a pod would find it and returns the path.
func (s *authServer) seedFile(t *testing.T, name string, k natsauth.Key) string {
	t.Helper()
	p := filepath.Join(s.dir, name+".nk")
	if err := os.WriteFile(p, k.Seed, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// creds is the connect option for a seed, as the services build it from
// --nats-creds.
func (s *authServer) credsOpt(t *testing.T, name string, k natsauth.Key) nats.Option {
	t.Helper()
	opt, err := natsauth.CredentialsOption(s.seedFile(t, name, k))
	if err != nil {
		t.Fatal(err)
	}
	return opt
}

// asyncErrors collects what nats.go reports through the error handler:
// permission violations arrive there, not as return values, because the
// server answers SUB and PUB with an asynchronous -ERR.
type asyncErrors chan error

func (a asyncErrors) handler(_ *nats.Conn, _ *nats.Subscription, err error) {
	select {
	case a <- err:
	default: // the test reads them as they come; a flood means it already failed
	}
}

// awaitViolation waits for the permissions violation that names subject.
func (a asyncErrors) awaitViolation(t *testing.T, kind, subject string) {
	t.Helper()
	want := `Permissions Violation for ` + kind + ` to "` + subject + `"`
	timeout := time.After(10 * time.Second)
	for {
		select {
		case err := <-a:
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), want) {
				return
			}
			t.Logf("other async error while waiting: %v", err)
		case <-timeout:
			t.Fatalf("no %q within 10s", want)
		}
	}
}

func (s *authServer) connect(t *testing.T, name string, opts ...nats.Option) (*nats.Conn, asyncErrors) {
	t.Helper()
	errs := make(asyncErrors, 64)
	opts = append(opts, nats.Name(name), nats.ErrorHandler(errs.handler))
	return rpctest.Connect(t, s.srv, opts...), errs
}

func (s *authServer) conductor(t *testing.T) (*nats.Conn, asyncErrors) {
	t.Helper()
	return s.connect(t, "conductor", s.credsOpt(t, "conductor", s.creds.Conductor))
}

func (s *authServer) scheduler(t *testing.T) (*nats.Conn, asyncErrors) {
	t.Helper()
	return s.connect(t, "scheduler", s.credsOpt(t, "scheduler", s.creds.Scheduler))
}

// compute connects the way the compute service must: the host's seed file
// through CredentialsOption and the host's own inbox prefix.
func (s *authServer) compute(t *testing.T, host string) (*nats.Conn, asyncErrors) {
	t.Helper()
	opt := s.credsOpt(t, "compute-"+host, s.creds.Compute[host])
	return s.connect(t, "compute-"+host, opt, nats.CustomInboxPrefix(natsauth.ComputeInboxPrefix(host)))
}

// noViolations fails if nc has had any error so far. Flush makes the server
// answer everything sent before it, and nats.go records an -ERR as the
// connection's last error as it reads it, before it reads the PONG.
func noViolations(t *testing.T, who string, nc *nats.Conn) {
	t.Helper()
	if err := nc.Flush(); err != nil {
		t.Fatalf("%s: flush: %v", who, err)
	}
	if err := nc.LastError(); err != nil {
		t.Fatalf("%s: unexpected error: %v", who, err)
	}
}

func TestUnknownCredentialsAreRejected(t *testing.T) {
	s := startAuthServer(t, "h1")
	stranger, err := natsauth.Generate(natsauth.Description{})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]nats.Option{
		"no credentials": nil,
		"unknown nkey":   {s.credsOpt(t, "stranger", stranger.Conductor)},
		"a password":     {nats.UserInfo("conductor", "conductor")},
	}
	for name, opts := range cases {
		t.Run(name, func(t *testing.T) {
			nc, err := nats.Connect(s.srv.URL(), opts...)
			if err == nil {
				nc.Close()
				t.Fatal("connected")
			}
			if !errors.Is(err, nats.ErrAuthorization) {
				t.Fatalf("got %v, want an authorization violation", err)
			}
		})
	}
}

func TestComputeSubscribesOnlyToItsOwnSubjects(t *testing.T) {
	s := startAuthServer(t, "h1", "h2.example.org")
	conductor, _ := s.conductor(t)
	h1, h1Errs := s.compute(t, "h1")

	// What h1 may do: its own subjects, and it receives what is sent there.
	for _, subj := range []string{"compute", "compute.h1", "compute_fanout"} {
		sub, err := h1.SubscribeSync(subj)
		if err != nil {
			t.Fatal(err)
		}
		noViolations(t, "h1 subscribe "+subj, h1)
		if err := conductor.Publish(subj, []byte("for h1")); err != nil {
			t.Fatal(err)
		}
		if m, err := sub.NextMsg(10 * time.Second); err != nil || string(m.Data) != "for h1" {
			t.Fatalf("%s: got %v, %v", subj, m, err)
		}
	}

	// What it may not: another host's subject, wildcards that cover other
	// hosts, other services' topics, every reply inbox (other services'
	// replies), another host's inbox, and the KV write stream.
	denied := []string{
		"compute.h2.example.org",
		"compute.*",
		"compute.>",
		"conductor",
		"scheduler.scheduler-0",
		"_INBOX.>",
		natsauth.ComputeInboxPrefix("h2.example.org") + ".>",
		"$KV.>",
		"$JS.API.>",
		">",
	}
	for _, subj := range denied {
		if _, err := h1.SubscribeSync(subj); err != nil {
			t.Fatal(err)
		}
		h1Errs.awaitViolation(t, "Subscription", subj)
	}
}

func TestComputeCannotReadOrWriteKV(t *testing.T) {
	s := startAuthServer(t, "h1")
	ctx := t.Context()

	conductor, _ := s.conductor(t)
	cjs, err := jetstream.New(conductor)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := cjs.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "instances"})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := kv.Put(ctx, "uuid-1", []byte("vm_state=active"))
	if err != nil {
		t.Fatal(err)
	}

	h1, h1Errs := s.compute(t, "h1")

	t.Run("open bucket", func(t *testing.T) {
		js, err := jetstream.New(h1)
		if err != nil {
			t.Fatal(err)
		}
		// The denied request gets no reply, so KeyValue would wait for its
		// deadline: await the violation instead, then end the call.
		callCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			_, err := js.KeyValue(callCtx, "instances")
			done <- err
		}()
		h1Errs.awaitViolation(t, "Publish", "$JS.API.STREAM.INFO.KV_instances")
		cancel()
		if err := <-done; err == nil {
			t.Fatal("compute opened the bucket")
		}
	})

	t.Run("direct get", func(t *testing.T) {
		subj := "$JS.API.DIRECT.GET.KV_instances.$KV.instances.uuid-1"
		if err := h1.PublishRequest(subj, natsauth.ComputeInboxPrefix("h1")+".x", nil); err != nil {
			t.Fatal(err)
		}
		h1Errs.awaitViolation(t, "Publish", subj)
	})

	t.Run("watch writes", func(t *testing.T) {
		if _, err := h1.SubscribeSync("$KV.instances.>"); err != nil {
			t.Fatal(err)
		}
		h1Errs.awaitViolation(t, "Subscription", "$KV.instances.>")
	})

	t.Run("write", func(t *testing.T) {
		// A KV put is a plain publish on $KV.<bucket>.<key>.
		if err := h1.Publish("$KV.instances.uuid-1", []byte("vm_state=deleted")); err != nil {
			t.Fatal(err)
		}
		h1Errs.awaitViolation(t, "Publish", "$KV.instances.uuid-1")
		// The server dropped it before the stream saw it: the record is as
		// conductor left it.
		e, err := kv.Get(ctx, "uuid-1")
		if err != nil {
			t.Fatal(err)
		}
		if string(e.Value()) != "vm_state=active" || e.Revision() != rev {
			t.Fatalf("record changed: %q rev %d, want rev %d", e.Value(), e.Revision(), rev)
		}
	})
}

func TestControlPlaneUsesKV(t *testing.T) {
	s := startAuthServer(t)
	ctx := t.Context()
	for _, who := range []string{"conductor", "scheduler"} {
		t.Run(who, func(t *testing.T) {
			var nc *nats.Conn
			if who == "conductor" {
				nc, _ = s.conductor(t)
			} else {
				nc, _ = s.scheduler(t)
			}
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "state_" + who})
			if err != nil {
				t.Fatal(err)
			}
			// A watcher is an ordered push consumer: it needs $JS.API to be
			// created and its deliveries and flow control on the inbox.
			w, err := kv.Watch(ctx, "host.>")
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			if e := <-w.Updates(); e != nil {
				t.Fatalf("initial watch marker: got %v, want nil", e)
			}
			next := func(want string) {
				t.Helper()
				select {
				case e := <-w.Updates():
					if string(e.Value()) != want {
						t.Fatalf("watch: got %q, want %q", e.Value(), want)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("watch: no update %q within 10s", want)
				}
			}
			// A watcher promises the latest value, not every revision, so
			// each write waits until the watcher has seen the previous one.
			rev, err := kv.Create(ctx, "host.h1", []byte("v1"))
			if err != nil {
				t.Fatal(err)
			}
			next("v1")
			if _, err := kv.Update(ctx, "host.h1", []byte("v2"), rev); err != nil {
				t.Fatal(err)
			}
			next("v2")
			e, err := kv.Get(ctx, "host.h1")
			if err != nil || string(e.Value()) != "v2" {
				t.Fatalf("get: %v, %v", e, err)
			}
			noViolations(t, who, nc)
		})
	}
}

type probeArgs struct {
	From string `msgpack:"from"`
}

var (
	conductorProbe = rpc.DefineCall[probeArgs, string](natsauth.TopicConductor, "", "natsauth_probe", "1.0")
	schedulerProbe = rpc.DefineCall[probeArgs, string](natsauth.TopicScheduler, "", "natsauth_probe", "1.0")
	computeProbe   = rpc.DefineCall[probeArgs, string](natsauth.TopicCompute, "", "natsauth_probe", "1.0")
)

// TestRPCThroughPermissions runs pkg/rpc servers and clients of every
// service on their own credentials: each call below crosses the permissions
// in both directions (request and reply), and the servers' discovery
// subscriptions must be allowed too.
func TestRPCThroughPermissions(t *testing.T) {
	s := startAuthServer(t, "h1", "h2")
	ctx := t.Context()
	quiet := slog.New(slog.DiscardHandler)

	serve := func(nc *nats.Conn, target rpc.Target, m rpc.CallMethod[probeArgs, string]) {
		t.Helper()
		srv, err := rpc.NewServer(nc, target, rpc.ServerLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		name := target.Topic + "." + target.Server
		rpc.HandleCall(srv.Endpoint("", "1.0"), m, func(_ context.Context, a probeArgs) (string, error) {
			return name + " answers " + a.From, nil
		})
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	}
	client := func(nc *nats.Conn, topic string, opts ...rpc.ClientOption) *rpc.Client {
		t.Helper()
		c, err := rpc.NewClient(nc, rpc.Target{Topic: topic}, append(opts, rpc.WithLogger(quiet), rpc.Timeout(10*time.Second))...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	cond, _ := s.conductor(t)
	sched, _ := s.scheduler(t)
	h1, _ := s.compute(t, "h1")
	h2, _ := s.compute(t, "h2")
	serve(cond, rpc.Target{Topic: natsauth.TopicConductor, Server: "conductor-0"}, conductorProbe)
	serve(sched, rpc.Target{Topic: natsauth.TopicScheduler, Server: "scheduler-0"}, schedulerProbe)
	serve(h1, rpc.Target{Topic: natsauth.TopicCompute, Server: "h1"}, computeProbe)
	serve(h2, rpc.Target{Topic: natsauth.TopicCompute, Server: "h2"}, computeProbe)

	call := func(name string, m rpc.CallMethod[probeArgs, string], c *rpc.Client, from, want string) {
		t.Helper()
		got, err := m.Invoke(ctx, c, probeArgs{From: from})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want {
			t.Fatalf("%s: got %q, want %q", name, got, want)
		}
	}
	// compute -> conductor (any server and a named one), with the reply on
	// compute's own inbox prefix.
	call("h1 to conductor", conductorProbe, client(h1, natsauth.TopicConductor), "h1", "conductor.conductor-0 answers h1")
	call("h1 to conductor-0", conductorProbe, client(h1, natsauth.TopicConductor, rpc.ToServer("conductor-0")), "h1", "conductor.conductor-0 answers h1")
	// conductor -> scheduler and conductor -> one compute host.
	call("conductor to scheduler", schedulerProbe, client(cond, natsauth.TopicScheduler), "conductor", "scheduler.scheduler-0 answers conductor")
	call("conductor to h2", computeProbe, client(cond, natsauth.TopicCompute, rpc.ToServer("h2")), "conductor", "compute.h2 answers conductor")
	// compute -> compute: the live-migration source calls the destination.
	call("h1 to h2", computeProbe, client(h1, natsauth.TopicCompute, rpc.ToServer("h2")), "h1", "compute.h2 answers h1")

	for name, nc := range map[string]*nats.Conn{"conductor": cond, "scheduler": sched, "h1": h1, "h2": h2} {
		noViolations(t, name, nc)
	}
}

// TestKVWatcherFlowControl reads a bucket large enough that the server asks
// the watcher for flow control: the watcher answers on $JS.FC.>, and without
// that permission the server stops delivering and the watch never ends.
func TestKVWatcherFlowControl(t *testing.T) {
	s := startAuthServer(t)
	ctx := t.Context()
	nc, _ := s.conductor(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "big"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 128
	val := make([]byte, 64<<10)
	for i := 0; i < n; i++ {
		if _, err := kv.Put(ctx, fmt.Sprintf("k%d", i), val); err != nil {
			t.Fatal(err)
		}
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for got := 0; ; got++ {
		select {
		case e := <-w.Updates():
			if e == nil {
				if got != n {
					t.Fatalf("watch delivered %d records, want %d", got, n)
				}
				noViolations(t, "conductor", nc)
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("watch stalled after %d of %d records (last error %v)", got, n, nc.LastError())
		}
	}
}
