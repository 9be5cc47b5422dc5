package rpc

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
)

// MethodSpec describes one RPC method: where it lives and how it is sent.
type MethodSpec struct {
	Topic     string // service topic, e.g. "compute"
	Namespace string // endpoint namespace, "" for the default endpoint
	Name      string // method name on the wire, nova's, e.g. "live_migration"
	Version   string // the RPC API version the method is sent at
	CallType  string // CallTypeCall, CallTypeCast or CallTypeFanout
	// DefinedAt is the file:line of the Define* call.
	DefinedAt string
}

// CallMethod is a typed method invoked with a call: arguments A, reply R.
type CallMethod[A, R any] struct{ Spec MethodSpec }

// CastMethod is a typed method invoked with a cast: arguments A, no reply.
type CastMethod[A any] struct{ Spec MethodSpec }

// NoReply is the reply type of methods whose handlers return nothing.
type NoReply = struct{}

// DefineCall declares a call method of topic. Services declare their
// methods once, in one table, as package-level variables; the client stub
// (Invoke) and the handler (HandleCall) both name the variable.
func DefineCall[A, R any](topic, namespace, name, version string) CallMethod[A, R] {
	return CallMethod[A, R]{Spec: define(topic, namespace, name, version, CallTypeCall)}
}

// DefineCast declares a cast method (fanout when fanout is true).
func DefineCast[A any](topic, namespace, name, version string, fanout bool) CastMethod[A] {
	ct := CallTypeCast
	if fanout {
		ct = CallTypeFanout
	}
	return CastMethod[A]{Spec: define(topic, namespace, name, version, ct)}
}

func define(topic, namespace, name, version, callType string) MethodSpec {
	if err := validateName("topic", topic); err != nil {
		panic(err)
	}
	if _, err := ParseVersion(version); err != nil {
		panic(fmt.Sprintf("rpc: method %s: %v", name, err))
	}
	spec := MethodSpec{Topic: topic, Namespace: namespace, Name: name, Version: version, CallType: callType}
	if _, file, line, ok := runtime.Caller(2); ok {
		spec.DefinedAt = fmt.Sprintf("%s:%d", file, line)
	}
	methods.add(spec)
	return spec
}

// Invoke calls m on c's target and returns the decoded reply.
func (m CallMethod[A, R]) Invoke(ctx context.Context, c *Client, args A) (R, error) {
	var reply R
	if err := m.check(c); err != nil {
		return reply, err
	}
	err := c.invoke(ctx, CallTypeCall, m.Spec.Namespace, m.Spec.Name, m.Spec.Version, args, &reply)
	return reply, err
}

// Cast sends m to c's target without waiting.
func (m CastMethod[A]) Cast(ctx context.Context, c *Client, args A) error {
	if err := m.check(c); err != nil {
		return err
	}
	return c.invoke(ctx, m.Spec.CallType, m.Spec.Namespace, m.Spec.Name, m.Spec.Version, args, nil)
}

func (m CallMethod[A, R]) check(c *Client) error { return m.Spec.checkTopic(c) }
func (m CastMethod[A]) check(c *Client) error    { return m.Spec.checkTopic(c) }

func (s MethodSpec) checkTopic(c *Client) error {
	if c.target.Topic != s.Topic {
		return fmt.Errorf("rpc: method %s belongs to topic %q, not the client's %q", s.Name, s.Topic, c.target.Topic)
	}
	return nil
}

// methodTable is every method declared in the process, for the RPC map.
type methodTable struct {
	mu    sync.Mutex
	specs []MethodSpec
}

var methods methodTable

func (t *methodTable) add(s MethodSpec) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.specs = append(t.specs, s)
}

// Methods returns every method declared with DefineCall/DefineCast in this
// process, sorted by topic, namespace and name.
func Methods() []MethodSpec {
	methods.mu.Lock()
	out := append([]MethodSpec(nil), methods.specs...)
	methods.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return out
}
