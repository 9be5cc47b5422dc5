package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/natsauth"
)

func TestConfMatchesDescription(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"conf", "-hosts", "n1,n2", "-sim", "2"}, &out); err != nil {
		t.Fatal(err)
	}
	want, err := natsauth.Description{ComputeHosts: []string{"n1", "n2", "compute-sim-0", "compute-sim-1"}}.Config()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("conf differs from Description.Config:\n%s", out.String())
	}
}

func TestSecrets(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "seeds")
	var out bytes.Buffer
	if err := run([]string{"secrets", "-hosts", "n1", "-sim", "1", "-seed-dir", dir}, &out); err != nil {
		t.Fatal(err)
	}
	y := out.String()
	for _, want := range []string{
		"name: novanats-nats-auth", "NOVANATS_NKEY_HOST_N1:", "NOVANATS_NKEY_HOST_COMPUTE_SIM_0:",
		"name: novanats-nats-conductor", "name: novanats-nats-scheduler",
		"name: novanats-nats-compute-sim", "compute-sim-0.nk:",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The real host's seed is on disk for its node, private, and in no Secret.
	p := filepath.Join(dir, "n1.nk")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v, want 0600", p, fi.Mode().Perm())
	}
	seed, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(y, string(seed)) {
		t.Error("the real host's seed is in the Secrets")
	}
	if _, err := natsauth.CredentialsOption(p); err != nil {
		t.Errorf("seed file: %v", err)
	}
}

func TestSecretsRefuseRealHostsWithoutSeedDir(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"secrets", "-hosts", "n1"}, &out); err == nil {
		t.Fatal("accepted -hosts without -seed-dir")
	}
	if out.Len() != 0 {
		t.Fatalf("printed Secrets anyway:\n%s", out.String())
	}
}
