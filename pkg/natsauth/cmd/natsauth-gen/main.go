// Command natsauth-gen renders the novanats NATS authorization and makes the
// keys for it.
//
//	natsauth-gen conf    [-hosts h1,h2] [-sim N] [-o auth.conf]
//	natsauth-gen secrets [-hosts h1,h2] [-sim N] [-namespace novanats] [-seed-dir DIR]
//
// conf writes the nats-server authorization block (no secrets: public keys
// are $VARIABLES). secrets prints Kubernetes Secrets with fresh keys for the
// same users, to pipe into `kubectl apply -f -`:
//
//	novanats-nats-auth       public keys, the environment of the NATS pods
//	novanats-nats-conductor  conductor's seed (file "nats.nk")
//	novanats-nats-scheduler  scheduler's seed
//	novanats-nats-compute-sim  one seed per simulated host ("<host>.nk")
//
// The seeds of real hosts (-hosts) are not put in any Secret: they are
// written to -seed-dir, one "<host>.nk" each, to be installed on each node
// as /etc/novanats/nats/compute.nk (k8s/README.md says why).
//
// Simulated hosts are the pods of the compute-sim StatefulSet, so -sim N
// means the hosts compute-sim-0 .. compute-sim-<N-1>.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/novanats/novanats/pkg/natsauth"
)

// simPrefix is the name of the simulated-hosts StatefulSet; its pods, and so
// its hosts, are <simPrefix>-<ordinal>.
const simPrefix = "compute-sim"

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "natsauth-gen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: natsauth-gen conf|secrets [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	hosts := fs.String("hosts", "", "comma-separated compute hosts (node names)")
	sim := fs.Int("sim", 0, "number of simulated hosts ("+simPrefix+"-0, ...)")
	out := fs.String("o", "", "conf: write to this file instead of stdout")
	namespace := fs.String("namespace", "novanats", "secrets: namespace of the Secrets")
	seedDir := fs.String("seed-dir", "", "secrets: directory for the seeds of -hosts")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var real, simulated []string
	if *hosts != "" {
		real = strings.Split(*hosts, ",")
	}
	for i := 0; i < *sim; i++ {
		simulated = append(simulated, fmt.Sprintf("%s-%d", simPrefix, i))
	}
	d := natsauth.Description{ComputeHosts: append(append([]string{}, real...), simulated...)}

	switch args[0] {
	case "conf":
		conf, err := d.Config()
		if err != nil {
			return err
		}
		if *out == "" {
			_, err = stdout.Write(conf)
			return err
		}
		return os.WriteFile(*out, conf, 0o644)
	case "secrets":
		if len(real) > 0 && *seedDir == "" {
			return fmt.Errorf("-hosts needs -seed-dir: real hosts' seeds go to their nodes, not into a Secret")
		}
		creds, err := natsauth.Generate(d)
		if err != nil {
			return err
		}
		for _, h := range real {
			if err := os.MkdirAll(*seedDir, 0o700); err != nil {
				return err
			}
			p := filepath.Join(*seedDir, h+".nk")
			if err := os.WriteFile(p, creds.Compute[h].Seed, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "natsauth-gen: seed of %s in %s: install it on that node as /etc/novanats/nats/compute.nk\n", h, p)
		}
		w := secretWriter{w: stdout, namespace: *namespace}
		w.secret("novanats-nats-auth", creds.ServerEnv())
		w.secret("novanats-nats-conductor", map[string]string{"nats.nk": string(creds.Conductor.Seed)})
		w.secret("novanats-nats-scheduler", map[string]string{"nats.nk": string(creds.Scheduler.Seed)})
		if len(simulated) > 0 {
			seeds := map[string]string{}
			for _, h := range simulated {
				seeds[h+".nk"] = string(creds.Compute[h].Seed)
			}
			w.secret("novanats-nats-compute-sim", seeds)
		}
		return w.err
	default:
		return fmt.Errorf("unknown command %q (conf or secrets)", args[0])
	}
}

// secretWriter prints Secrets as YAML. Keys and values are NKeys, host names
// and environment variable names (letters, digits, '-', '_', '.'), which
// YAML takes as plain strings, so no quoting library is needed.
type secretWriter struct {
	w         io.Writer
	namespace string
	err       error
}

func (s *secretWriter) secret(name string, data map[string]string) {
	if s.err != nil {
		return
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n", name, s.namespace)
	b.WriteString("  labels:\n    app.kubernetes.io/part-of: novanats\ntype: Opaque\nstringData:\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %q\n", k, data[k])
	}
	_, s.err = io.WriteString(s.w, b.String())
}
