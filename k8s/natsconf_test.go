package k8s

// The NATS config of the manifests, loaded by nats-server's own parser as the
// pods load it (the ConfigMap's files side by side, variables from the
// environment), and a server started from it answering the probe paths the
// StatefulSet uses. Runs in every `go test`, no Kubernetes needed.

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/novanats/novanats/pkg/natsauth"
)

// natsConfigFiles are the files of the nats-config ConfigMap of a
// kustomization: the base's, with the overlay's replacements.
var natsConfigFiles = map[string]map[string]string{
	"base": {
		"nats.conf":    "base/nats/nats.conf",
		"cluster.conf": "base/nats/cluster.conf",
		"auth.conf":    "base/nats/auth.conf",
	},
	"overlays/dev": {
		"nats.conf":    "base/nats/nats.conf",
		"cluster.conf": "overlays/dev/cluster.conf",
		"auth.conf":    "overlays/dev/auth.conf",
	},
	"overlays/simulated": {
		"nats.conf":    "base/nats/nats.conf",
		"cluster.conf": "base/nats/cluster.conf",
		"auth.conf":    "overlays/simulated/auth.conf",
	},
}

// loadNATSConfig lays the files out as the ConfigMap volume does, sets the
// environment the pod has, and parses nats.conf.
func loadNATSConfig(t *testing.T, files map[string]string) (*server.Options, []string) {
	t.Helper()
	dir := t.TempDir()
	var hosts []string
	for name, src := range files {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if name == "auth.conf" {
			if hosts, err = natsauth.HostsOf(data); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	creds, err := natsauth.Generate(natsauth.Description{ComputeHosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("POD_NAME", "nats-0")
	for k, v := range creds.ServerEnv() {
		t.Setenv(k, v)
	}
	opts, err := server.ProcessConfigFile(filepath.Join(dir, "nats.conf"))
	if err != nil {
		t.Fatalf("nats-server rejects the config: %v", err)
	}
	return opts, hosts
}

func TestNATSConfigParses(t *testing.T) {
	for kz, files := range natsConfigFiles {
		t.Run(kz, func(t *testing.T) {
			opts, hosts := loadNATSConfig(t, files)
			if opts.ServerName != "nats-0" || !opts.JetStream || opts.StoreDir != "/data" ||
				opts.HTTPPort != 8222 || opts.Port != 4222 || opts.LameDuckDuration != 30*time.Second {
				t.Fatalf("name %q js %v store %q http %d port %d lame duck %s",
					opts.ServerName, opts.JetStream, opts.StoreDir, opts.HTTPPort, opts.Port, opts.LameDuckDuration)
			}
			if got, want := len(opts.Nkeys), 2+len(hosts); got != want || len(opts.Users) != 0 {
				t.Fatalf("%d nkey users and %d password users, want %d and 0", got, len(opts.Users), want)
			}
			single := kz == "overlays/dev"
			if single && (opts.Cluster.Port != 0 || len(opts.Routes) != 0) {
				t.Fatalf("single-node config has cluster port %d and %d routes", opts.Cluster.Port, len(opts.Routes))
			}
			if !single && (opts.Cluster.Name != "novanats" || opts.Cluster.Port != 6222 || len(opts.Routes) != 3) {
				t.Fatalf("cluster %q port %d with %d routes, want novanats 6222 with 3", opts.Cluster.Name, opts.Cluster.Port, len(opts.Routes))
			}
		})
	}
}

// TestNATSConfigServesProbes starts the dev overlay's single-node config
// (on free loopback ports and a temporary store) and checks the paths the
// StatefulSet's probes use.
func TestNATSConfigServesProbes(t *testing.T) {
	opts, _ := loadNATSConfig(t, natsConfigFiles["overlays/dev"])
	opts.Host, opts.Port = "127.0.0.1", server.RANDOM_PORT
	opts.HTTPHost, opts.HTTPPort = "127.0.0.1", server.RANDOM_PORT
	opts.StoreDir = t.TempDir()
	opts.PidFile = ""
	opts.NoLog, opts.NoSigs = true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("not ready within 10s")
	}
	mon := s.MonitorAddr()
	if mon == nil {
		t.Fatal("no monitoring listener")
	}
	for _, path := range []string{"/healthz?js-enabled-only=true", "/healthz?js-server-only=true", "/healthz"} {
		resp, err := http.Get(fmt.Sprintf("http://%s%s", mon, path))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %s", path, resp.Status)
		}
	}
}
