package test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/rpc/rpctest"
	"github.com/novanats/novanats/pkg/servicegroup"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/conductor"
)

var objT0 = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

// Credentials of the embedded server: the conductor may use JetStream, a
// compute may not. Denying $KV.> as well as $JS.> matters: a KV write is a
// plain publish to $KV.<bucket>.<key>, which $JS.> alone would let through.
const (
	conductorUser = "conductor"
	computeUser   = "compute"
	objPassword   = "s3cret"
)

func objCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func withUsers() rpctest.Option {
	return rpctest.WithServerOptions(func(o *server.Options) {
		deny := []string{"$JS.>", "$KV.>"}
		o.Users = []*server.User{
			{Username: conductorUser, Password: objPassword},
			{Username: computeUser, Password: objPassword, Permissions: &server.Permissions{
				Publish:   &server.SubjectPermission{Allow: []string{">"}, Deny: deny},
				Subscribe: &server.SubjectPermission{Allow: []string{">"}, Deny: deny},
			}},
		}
	})
}

// cloud is one conductor with its store, and what a compute gets: a NATS
// connection with compute credentials, and nothing else.
type cloud struct {
	srv       *rpctest.Server
	clock     *servicegroup.FakeClock
	store     *store.Store
	conductor *conductor.Service
	metrics   *prometheus.Registry
	// computeErrs receives the asynchronous errors of the compute's
	// connection (permission violations).
	computeErrs chan error
	computeNC   *nats.Conn
}

func startCloud(t *testing.T) *cloud {
	t.Helper()
	c := &cloud{srv: rpctest.StartServer(t, withUsers()), clock: servicegroup.NewFakeClock(objT0), metrics: prometheus.NewRegistry()}
	ncCond := rpctest.Connect(t, c.srv, nats.UserInfo(conductorUser, objPassword))
	js, err := jetstream.New(ncCond)
	if err != nil {
		t.Fatal(err)
	}
	c.store, err = store.Open(objCtx(t), js, store.Config{Prefix: "cell1", Clock: c.clock})
	if err != nil {
		t.Fatal(err)
	}
	c.conductor = startConductor(t, objCtx(t), ncCond, c.store, conductor.Config{
		Host:    "conductor-1",
		Metrics: rpc.NewMetrics(c.metrics),
		// The conductor reports on the wall clock: its own liveness is
		// not what these tests move the fake clock for.
		ServiceGroup: servicegroup.Config{ReportInterval: time.Hour},
	})
	c.computeNC, c.computeErrs = connectCompute(t, c.srv)
	return c
}

// compute returns the compute side: an Indirection built from the
// compute's NATS connection alone.
func (c *cloud) compute(t *testing.T, opts ...conductor.IndirectionOption) *conductor.Indirection {
	t.Helper()
	api, err := conductor.NewAPI(c.computeNC, rpc.Timeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return conductor.NewIndirection(api, opts...)
}

// expectDenied publishes to subject on the compute's connection and waits
// for the server's permission violation.
func (c *cloud) expectDenied(t *testing.T, subject string) {
	t.Helper()
	if err := c.computeNC.Publish(subject, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := c.computeNC.Flush(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.computeErrs:
		if !errors.Is(err, nats.ErrPermissionViolation) && !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			t.Fatalf("publish to %s: %v, want a permissions violation", subject, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("publish to %s by the compute was not refused", subject)
	}
}

func newObjUUID() string { return uuid.NewString() }

func sampleInstance(host string) *objects.Instance {
	i := new(objects.Instance)
	i.UUID.Set(newObjUUID())
	i.DisplayName.Set("vm1")
	i.Host.Set(host)
	i.Node.Set(host + "-node")
	i.VMState.Set(objects.VMStateActive)
	i.TaskState.SetNull()
	i.PowerState.Set(objects.PowerRunning)
	i.Metadata.Set(map[string]string{})
	return i
}
