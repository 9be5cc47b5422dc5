// Package natsauth describes who may do what on the novanats NATS system and
// renders it as nats-server authorization.
//
// One Go description (Description plus the Permissions functions below) is
// the single source of the subject permissions: the nats-server config that
// k8s/ ships is rendered from it (cmd/natsauth-gen, hack/gen-nats-auth.sh),
// and the tests start an embedded nats-server from that same rendered text,
// so what the tests prove is what the cluster enforces.
//
// Every identity is an NKey user: the service holds the seed (a file passed
// as --nats-creds, see CredentialsOption) and the nats-server knows only the
// public key, so no secret is shared with the servers and none appears in a
// process's arguments.
//
//	conductor          one key ($NOVANATS_NKEY_CONDUCTOR), shared by replicas
//	scheduler          one key ($NOVANATS_NKEY_SCHEDULER), shared by replicas
//	compute on host H  one key per known host ($NOVANATS_NKEY_HOST_<H>);
//	                   its seed stays on that host, so a compute host can
//	                   prove only its own name
//
// The rendered config names the keys only as $VARIABLES, which nats-server
// reads from its environment, so it depends only on the list of compute
// hosts: it can be committed and diffed. nats-server refuses to start when a
// referenced variable is missing, so a Secret that lacks a key fails loudly,
// not open.
package natsauth

import (
	"fmt"
	"regexp"
	"strings"
)

// The RPC topics of the three services (services/*/rpcapi.go). They are
// repeated here rather than imported so that this package stays a leaf that
// the deployment tooling can use without the services' dependencies.
const (
	TopicConductor = "conductor"
	TopicScheduler = "scheduler"
	TopicCompute   = "compute"
)

// Rule lists subjects a user may (Allow) and may not (Deny) use. Deny wins
// over Allow in nats-server.
type Rule struct {
	Allow []string
	Deny  []string
}

// Permissions are a user's publish and subscribe rules.
type Permissions struct {
	Publish   Rule
	Subscribe Rule
}

// Subject groups the rules are built from.
var (
	// Every reply inbox. Only the trusted control-plane services subscribe to
	// all of them; compute subscribes to its own prefix (ComputeInboxPrefix).
	allInboxes = "_INBOX.>"
	// NATS micro discovery requests ($SRV.PING|INFO|STATS...), answered by
	// every RPC server; the answers go to the requester's inbox.
	discovery = "$SRV.>"
	// JetStream and the KV/object stores on top of it. A KV put is a plain
	// publish to $KV.<bucket>.<key>, and a subscriber to $KV.> would see every
	// write, so $KV.> is listed on its own, not only $JS.API.>. $JS.FC.> is
	// where a KV watcher (an ordered push consumer with flow control) answers
	// the server's flow-control requests; without it a watcher stalls once
	// it has a few MB to read (TestKVWatcherFlowControl). No acks: pkg/db
	// reads only through ordered consumers, which do not ack.
	jetStream = []string{"$JS.API.>", "$JS.FC.>", "$KV.>"}
	// What compute must never touch: any JetStream API, the KV and object
	// store subjects. Denied explicitly so that widening an allow list later
	// (say to ">") cannot hand compute the database.
	storeSubjects = []string{"$JS.>", "$KV.>", "$O.>"}
)

// rpcServer are the subjects an RPC server of topic subscribes to (pkg/rpc):
// the topic's queue group, its per-server subjects and its fanout subject.
// Servers of conductor and scheduler are named by pod, so they get the whole
// "<topic>.>" range; compute gets only its own host (ComputePermissions).
func rpcServer(topic string) []string {
	return []string{topic, topic + ".>", topic + "_fanout"}
}

// rpcTarget are the subjects a client publishes on to reach any, one or
// every server of topic.
func rpcTarget(topic string) []string {
	return []string{topic, topic + ".>", topic + "_fanout"}
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// ConductorPermissions: conductor serves its topic, calls scheduler and
// compute, replies to anyone, and owns the JetStream state.
func ConductorPermissions() Permissions {
	return Permissions{
		Publish: Rule{Allow: concat(
			rpcTarget(TopicScheduler),
			rpcTarget(TopicCompute),
			[]string{allInboxes},
			jetStream,
		)},
		Subscribe: Rule{Allow: concat(
			rpcServer(TopicConductor),
			[]string{allInboxes, discovery},
		)},
	}
}

// SchedulerPermissions: scheduler serves its topic, replies to its callers
// and reads and writes host state in JetStream. It calls no other service.
func SchedulerPermissions() Permissions {
	return Permissions{
		Publish: Rule{Allow: concat(
			[]string{allInboxes},
			jetStream,
		)},
		Subscribe: Rule{Allow: concat(
			rpcServer(TopicScheduler),
			[]string{allInboxes, discovery},
		)},
	}
}

// ComputePermissions: compute on host serves "compute" (queue group),
// "compute.<host>" and "compute_fanout", calls conductor and other compute
// hosts (live migration: the source calls pre_live_migration on the
// destination), and replies to its callers. It receives replies only on its
// own inbox prefix, so it cannot read the replies meant for other services
// or hosts, and it has no access to JetStream or the KV buckets.
func ComputePermissions(host string) Permissions {
	return Permissions{
		Publish: Rule{
			Allow: []string{
				TopicConductor, TopicConductor + ".>",
				TopicCompute + ".>",
				allInboxes,
			},
			Deny: storeSubjects,
		},
		Subscribe: Rule{
			Allow: []string{
				TopicCompute, TopicCompute + "." + host, TopicCompute + "_fanout",
				ComputeInboxPrefix(host) + ".>",
				discovery,
			},
			Deny: storeSubjects,
		},
	}
}

// ComputeInboxPrefix is the reply-inbox prefix compute on host must use
// (nats.CustomInboxPrefix) so that its replies arrive on subjects it may
// subscribe to. The host becomes a single subject token (dots replaced by
// underscores, which host names cannot contain): with the dots kept, host
// "a" would be allowed "_INBOX.compute.a.>" and so read the replies of host
// "a.b".
func ComputeInboxPrefix(host string) string {
	return "_INBOX.compute." + strings.ReplaceAll(host, ".", "_")
}

// NkeyEnv is the nats-server environment variable that holds the public NKey
// of a control-plane service (TopicConductor or TopicScheduler).
func NkeyEnv(service string) string {
	return "NOVANATS_NKEY_" + envToken(service)
}

// ComputeNkeyEnv is the nats-server environment variable that holds the
// public NKey of compute on host.
func ComputeNkeyEnv(host string) string {
	return "NOVANATS_NKEY_HOST_" + envToken(host)
}

func envToken(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		default:
			return '_'
		}
	}, s)
}

// hostRE is a DNS-1123 subdomain, what Kubernetes allows as a node or pod
// name. Restricting hosts to it keeps every host a valid run of subject
// tokens without wildcards, and makes the inbox token (dots to underscores)
// unambiguous.
var hostRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// ValidateHost says whether host can be a compute user.
func ValidateHost(host string) error {
	if len(host) > 253 || !hostRE.MatchString(host) {
		return fmt.Errorf("natsauth: compute host %q is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253)", host)
	}
	return nil
}

// Description is a deployment's NATS users: the control-plane services and
// the compute hosts that exist.
type Description struct {
	// ComputeHosts are the host names compute runs as: node names for the
	// DaemonSet, pod names for simulated hosts.
	ComputeHosts []string
}

// Validate checks every host name and that no two hosts map to the same
// environment variable (for example "a-b" and "a.b").
func (d Description) Validate() error {
	seen := map[string]string{}
	for _, h := range d.ComputeHosts {
		if err := ValidateHost(h); err != nil {
			return err
		}
		env := ComputeNkeyEnv(h)
		if prev, ok := seen[env]; ok {
			if prev == h {
				return fmt.Errorf("natsauth: compute host %q listed twice", h)
			}
			return fmt.Errorf("natsauth: compute hosts %q and %q both map to $%s", prev, h, env)
		}
		seen[env] = h
	}
	return nil
}
