package rpc

import (
	"fmt"
	"strings"
	"unicode"
)

// Target names where a message goes, like oslo.messaging's Target.
type Target struct {
	// Topic is the service's topic, for example "compute" or "conductor".
	Topic string
	// Server is the host name of one server of the topic; empty means any
	// server (the topic's queue group). It may contain dots (FQDNs).
	Server string
	// Namespace selects an endpoint on the server, for example "compute_task".
	Namespace string
	// Version is the "X.Y" version a client sends by default, or the version
	// a server endpoint implements.
	Version string
	// Fanout sends a cast to every server of the topic.
	Fanout bool
}

// fanoutSuffix follows oslo.messaging's "<topic>_fanout" exchange. Appending it
// to the topic token (not adding a token) means no server name can collide
// with the fanout subject: server subjects all start with "<topic>.".
const fanoutSuffix = "_fanout"

// subjects derives NATS subjects from a target.
type subjects struct{ prefix string }

func (s subjects) topic(topic string) string  { return s.prefix + topic }
func (s subjects) fanout(topic string) string { return s.prefix + topic + fanoutSuffix }
func (s subjects) server(topic, server string) string {
	return s.prefix + topic + "." + server
}

// forTarget is the subject a message for t is published on.
func (s subjects) forTarget(t Target) string {
	switch {
	case t.Fanout:
		return s.fanout(t.Topic)
	case t.Server != "":
		return s.server(t.Topic, t.Server)
	default:
		return s.topic(t.Topic)
	}
}

// validateName checks a topic or server name: it becomes subject tokens, so
// it must not be empty, contain whitespace or wildcards, or have empty tokens.
func validateName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("rpc: %s name is empty", kind)
	}
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			return fmt.Errorf("rpc: %s name %q contains whitespace", kind, name)
		case r == '*' || r == '>':
			return fmt.Errorf("rpc: %s name %q contains the NATS wildcard %q", kind, name, r)
		}
	}
	for _, tok := range strings.Split(name, ".") {
		if tok == "" {
			return fmt.Errorf("rpc: %s name %q has an empty token (leading, trailing or double dot)", kind, name)
		}
	}
	return nil
}

// validatePrefix checks a subject prefix ("" or tokens ending in a dot, e.g. "cell1.").
func validatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if !strings.HasSuffix(prefix, ".") {
		return fmt.Errorf("rpc: subject prefix %q must end with a dot", prefix)
	}
	return validateName("subject prefix", strings.TrimSuffix(prefix, "."))
}

func (t Target) validate(needServer bool) error {
	if err := validateName("topic", t.Topic); err != nil {
		return err
	}
	if t.Server != "" || needServer {
		if err := validateName("server", t.Server); err != nil {
			return err
		}
	}
	if t.Version != "" {
		if _, err := ParseVersion(t.Version); err != nil {
			return err
		}
	}
	return nil
}
