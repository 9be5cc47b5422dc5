package natsauth_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nkeys"

	"github.com/novanats/novanats/pkg/natsauth"
)

func TestValidateHost(t *testing.T) {
	for _, h := range []string{"h1", "compute-sim-0", "ip-10-0-0-1.ec2.internal", "a"} {
		if err := natsauth.ValidateHost(h); err != nil {
			t.Errorf("%q: %v", h, err)
		}
	}
	// Each of these would be a wildcard, an empty or extra subject token, or
	// an ambiguous inbox token.
	for _, h := range []string{"", "*", ">", "a.*", "a b", "a..b", ".a", "a.", "A", "a_b", "-a", strings.Repeat("a", 254)} {
		if err := natsauth.ValidateHost(h); err == nil {
			t.Errorf("%q accepted", h)
		}
	}
}

func TestDescriptionRejectsCollidingHosts(t *testing.T) {
	for _, hosts := range [][]string{{"a-b", "a.b"}, {"h1", "h1"}} {
		if err := (natsauth.Description{ComputeHosts: hosts}).Validate(); err == nil {
			t.Errorf("%v accepted", hosts)
		}
	}
}

func TestComputeInboxPrefixIsOneTokenPerHost(t *testing.T) {
	// With dots kept, host "a"'s inbox wildcard would cover host "a.b"'s.
	a, ab := natsauth.ComputeInboxPrefix("a"), natsauth.ComputeInboxPrefix("a.b")
	if strings.HasPrefix(ab+".", a+".") {
		t.Fatalf("%q lies under %q", ab, a)
	}
	if got := strings.Count(ab, "."); got != 2 {
		t.Fatalf("%q has %d dots, want 2 (_INBOX.compute.<host>)", ab, got)
	}
}

func TestConfigRoundTripsHosts(t *testing.T) {
	for _, hosts := range [][]string{nil, {"h1"}, {"compute-sim-0", "n1.example.org"}} {
		conf, err := natsauth.Description{ComputeHosts: hosts}.Config()
		if err != nil {
			t.Fatal(err)
		}
		got, err := natsauth.HostsOf(conf)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, hosts) {
			t.Fatalf("HostsOf = %v, want %v", got, hosts)
		}
		for _, h := range hosts {
			if !bytes.Contains(conf, []byte(`"compute.`+h+`"`)) {
				t.Fatalf("config lacks compute.%s:\n%s", h, conf)
			}
		}
	}
	if _, err := natsauth.HostsOf([]byte("authorization {}")); err == nil {
		t.Fatal("HostsOf accepted a hand-written config")
	}
}

func TestComputeNeverGetsTheStore(t *testing.T) {
	p := natsauth.ComputePermissions("h1")
	for _, r := range []natsauth.Rule{p.Publish, p.Subscribe} {
		for _, s := range r.Allow {
			if strings.HasPrefix(s, "$JS") || strings.HasPrefix(s, "$KV") || strings.HasPrefix(s, "$O") || s == ">" {
				t.Errorf("compute allowed %q", s)
			}
		}
		for _, s := range []string{"$JS.>", "$KV.>", "$O.>"} {
			if !slices.Contains(r.Deny, s) {
				t.Errorf("compute does not deny %q", s)
			}
		}
	}
}

func TestCredentialsOption(t *testing.T) {
	dir := t.TempDir()
	creds, err := natsauth.Generate(natsauth.Description{ComputeHosts: []string{"h1"}})
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := natsauth.CredentialsOption(write("user.nk", creds.Compute["h1"].Seed)); err != nil {
		t.Fatalf("user seed: %v", err)
	}
	account, err := nkeys.CreateAccount()
	if err != nil {
		t.Fatal(err)
	}
	accountSeed, err := account.Seed()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"garbage":      []byte("not a seed"),
		"account seed": accountSeed, // a valid seed, but not of a user
	} {
		if _, err := natsauth.CredentialsOption(write(name, data)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := natsauth.CredentialsOption(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestCommittedConfigsAreCurrent re-renders every auth.conf under k8s/ for
// the hosts recorded in it: a hand edit or a permission change without
// hack/gen-nats-auth.sh fails here.
func TestCommittedConfigsAreCurrent(t *testing.T) {
	root := filepath.Join("..", "..", "k8s")
	var found int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "auth.conf" {
			return err
		}
		found++
		committed, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		hosts, err := natsauth.HostsOf(committed)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		fresh, err := natsauth.Description{ComputeHosts: hosts}.Config()
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		if !bytes.Equal(committed, fresh) {
			t.Errorf("%s is stale: run hack/gen-nats-auth.sh", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatalf("no auth.conf under %s", root)
	}
}
