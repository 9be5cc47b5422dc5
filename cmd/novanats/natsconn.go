package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"

	"github.com/novanats/novanats/pkg/natsauth"
)

// natsFlags are the connection flags every command that talks to NATS takes.
type natsFlags struct {
	url      string
	creds    string
	user     string
	password string
	tlsCA    string
	tlsCert  string
	tlsKey   string
}

const defaultNATSURL = "nats://127.0.0.1:4222"

func (f *natsFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.url, "nats-url", envOr("NOVANATS_NATS_URL", defaultNATSURL), "NATS server URL(s), comma separated (env NOVANATS_NATS_URL)")
	fs.StringVar(&f.creds, "nats-creds", envOr("NOVANATS_NATS_CREDS", ""), "NATS credentials file (env NOVANATS_NATS_CREDS)")
	fs.StringVar(&f.user, "nats-user", envOr("NOVANATS_NATS_USER", ""), "NATS user (env NOVANATS_NATS_USER)")
	fs.StringVar(&f.password, "nats-password", envOr("NOVANATS_NATS_PASSWORD", ""), "NATS password (env NOVANATS_NATS_PASSWORD)")
	fs.StringVar(&f.tlsCA, "nats-tls-ca", "", "CA certificate to verify the NATS server")
	fs.StringVar(&f.tlsCert, "nats-tls-cert", "", "client certificate for NATS mutual TLS")
	fs.StringVar(&f.tlsKey, "nats-tls-key", "", "client key for NATS mutual TLS")
}

// connect opens the connection or explains, in one line, what to check.
// extra options come last (a compute's own reply inbox prefix, which its
// NATS permissions require).
func (f *natsFlags) connect(name string, extra ...nats.Option) (*nats.Conn, error) {
	opts := []nats.Option{nats.Name(name), nats.Timeout(5 * time.Second), nats.MaxReconnects(-1)}
	if f.creds != "" {
		// A .creds file (JWT + seed) or a bare NKey seed file, as the
		// Kubernetes deployment mounts them.
		credOpt, err := natsauth.CredentialsOption(f.creds)
		if err != nil {
			return nil, withCode(exitUsage, fmt.Errorf("--nats-creds %s: %w", f.creds, err))
		}
		opts = append(opts, credOpt)
	}
	if f.user != "" {
		opts = append(opts, nats.UserInfo(f.user, f.password))
	}
	if f.tlsCA != "" {
		opts = append(opts, nats.RootCAs(f.tlsCA))
	}
	if f.tlsCert != "" || f.tlsKey != "" {
		if f.tlsCert == "" || f.tlsKey == "" {
			return nil, withCode(exitUsage, errors.New("--nats-tls-cert and --nats-tls-key go together"))
		}
		opts = append(opts, nats.ClientCert(f.tlsCert, f.tlsKey))
	}
	nc, err := nats.Connect(f.url, append(opts, extra...)...)
	if err != nil {
		hint := "is NATS running there? start a dev cloud with 'novanats dev', or pass --nats-url"
		if errors.Is(err, nats.ErrAuthorization) {
			hint = "check --nats-creds / --nats-user / --nats-password"
		}
		return nil, withCode(exitUnavailable, fmt.Errorf("cannot connect to NATS at %s: %v (%s)", f.url, err, hint))
	}
	return nc, nil
}
