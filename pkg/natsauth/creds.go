package natsauth

import (
	"bytes"
	"fmt"
	"os"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// jwtBanner starts the JWT section of a decorated NATS credentials file.
var jwtBanner = []byte("-----BEGIN NATS USER JWT-----")

// CredentialsOption is the nats.Option for a --nats-creds file. The file is
// either a decorated credentials file (a user JWT and its seed, for
// operator-mode servers) or a bare NKey user seed, which is what this
// package's users have. The two need different options:
// nats.UserCredentials on a bare seed would send the seed itself to the
// server as the "JWT".
func CredentialsOption(path string) (nats.Option, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("natsauth: %w", err)
	}
	defer wipe(data)
	if bytes.Contains(data, jwtBanner) {
		return nats.UserCredentials(path), nil
	}
	kp, err := nkeys.ParseDecoratedNKey(data)
	if err != nil {
		return nil, fmt.Errorf("natsauth: %s holds neither a credentials file nor an NKey seed: %w", path, err)
	}
	defer kp.Wipe()
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("natsauth: %s: %w", path, err)
	}
	if !nkeys.IsValidPublicUserKey(pub) {
		return nil, fmt.Errorf("natsauth: %s holds an NKey seed that is not a user seed", path)
	}
	// NkeyOptionFromSeed re-reads the file for every signature so the seed
	// is not kept in memory between connects.
	return nats.NkeyOptionFromSeed(path)
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 'x'
	}
}

// Key is one NKey user: the seed its owner keeps and the public key the
// server knows.
type Key struct {
	Seed   []byte
	Public string
}

// Credentials are freshly generated keys for every user of a Description.
type Credentials struct {
	Conductor Key
	Scheduler Key
	Compute   map[string]Key // by host
}

// Generate makes new random keys for every user of d.
func Generate(d Description) (*Credentials, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	c := &Credentials{Compute: map[string]Key{}}
	var err error
	if c.Conductor, err = newKey(); err != nil {
		return nil, err
	}
	if c.Scheduler, err = newKey(); err != nil {
		return nil, err
	}
	for _, h := range d.ComputeHosts {
		if c.Compute[h], err = newKey(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func newKey() (Key, error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		return Key{}, fmt.Errorf("natsauth: new nkey: %w", err)
	}
	seed, err := kp.Seed()
	if err != nil {
		return Key{}, fmt.Errorf("natsauth: new nkey: %w", err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return Key{}, fmt.Errorf("natsauth: new nkey: %w", err)
	}
	return Key{Seed: seed, Public: pub}, nil
}

// ServerEnv is the environment a nats-server needs to load the config
// rendered for the same Description: every public key.
func (c *Credentials) ServerEnv() map[string]string {
	env := map[string]string{
		NkeyEnv(TopicConductor): c.Conductor.Public,
		NkeyEnv(TopicScheduler): c.Scheduler.Public,
	}
	for h, k := range c.Compute {
		env[ComputeNkeyEnv(h)] = k.Public
	}
	return env
}
