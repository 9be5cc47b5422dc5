package rpc

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// RemoteError is an error raised by a handler on another service. When the
// error's type is registered (RegisterError, RegisterSentinel), Unwrap
// returns the rebuilt error, so errors.Is and errors.As work across the wire
// as oslo.messaging's allowed_remote_exmods re-raise does.
type RemoteError struct {
	// Type is the registered name of the handler's error, or its Go type.
	Type string
	// Message is the handler's err.Error().
	Message string
	// Method and Subject say which call failed.
	Method  string
	Subject string
	cause   error
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("remote error from %s on %s: %s: %s", e.Method, e.Subject, e.Type, e.Message)
}

// Unwrap returns the rebuilt typed error, or nil for unregistered types.
func (e *RemoteError) Unwrap() error { return e.cause }

// UnsupportedVersion: the server has no endpoint for the requested version
// (different major, or a minor higher than it implements); or the client's
// version cap forbids sending it.
type UnsupportedVersion struct {
	Version string `msgpack:"version"`
	Method  string `msgpack:"method,omitempty"`
	Reason  string `msgpack:"reason,omitempty"`
}

func (e *UnsupportedVersion) Error() string {
	msg := fmt.Sprintf("endpoint does not support RPC version %s", e.Version)
	if e.Method != "" {
		msg += fmt.Sprintf(". Attempted method: %s", e.Method)
	}
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	return msg
}

// NoSuchMethod: the endpoint has no handler of that name.
type NoSuchMethod struct {
	Method string `msgpack:"method"`
}

func (e *NoSuchMethod) Error() string { return "endpoint does not support RPC method " + e.Method }

// NoSuchNamespace: the server has no endpoint in that namespace.
type NoSuchNamespace struct {
	Namespace string `msgpack:"namespace"`
}

func (e *NoSuchNamespace) Error() string {
	return fmt.Sprintf("server has no endpoint in namespace %q", e.Namespace)
}

// MalformedMessage: a message that is not a valid envelope or whose args do
// not decode into the handler's argument type.
type MalformedMessage struct {
	Reason string `msgpack:"reason"`
}

func (e *MalformedMessage) Error() string { return "malformed message: " + e.Reason }

// NoResponders: nobody listens on the subject (NATS said so at once).
type NoResponders struct {
	Subject string
	Method  string
}

func (e *NoResponders) Error() string {
	return fmt.Sprintf("no service is listening on %s (method %s): is the service running and connected to this NATS?", e.Subject, e.Method)
}

// Is makes errors.Is(err, nats.ErrNoResponders)-style checks easy via ErrNoResponders.
func (e *NoResponders) Is(target error) bool { return target == ErrNoResponders }

// ErrNoResponders matches any *NoResponders with errors.Is.
var ErrNoResponders = errors.New("rpc: no responders")

// ErrTimeout matches *MessagingTimeout and *HeartbeatTimeout with errors.Is.
var ErrTimeout = errors.New("rpc: timeout")

// MessagingTimeout: no reply within the call's timeout (oslo's MessagingTimeout).
type MessagingTimeout struct {
	Method  string
	Subject string
	Elapsed time.Duration
}

func (e *MessagingTimeout) Error() string {
	return fmt.Sprintf("timed out waiting for a reply to %s on %s after %s", e.Method, e.Subject, e.Elapsed.Round(time.Millisecond))
}

func (e *MessagingTimeout) Is(target error) bool { return target == ErrTimeout }

// HeartbeatTimeout: heartbeats from the server stopped for the call monitor
// timeout, so the server is presumed dead while the call was running.
type HeartbeatTimeout struct {
	Method         string
	Subject        string
	SinceHeartbeat time.Duration
	Elapsed        time.Duration
}

func (e *HeartbeatTimeout) Error() string {
	return fmt.Sprintf("no heartbeat from the server running %s on %s for %s (call monitor timeout; %s since the call began)",
		e.Method, e.Subject, e.SinceHeartbeat.Round(time.Millisecond), e.Elapsed.Round(time.Millisecond))
}

func (e *HeartbeatTimeout) Is(target error) bool { return target == ErrTimeout }

// errorRegistry maps wire names to ways of rebuilding errors.
type errorRegistry struct {
	mu        sync.RWMutex
	byName    map[string]func() error // typed errors: a new zero value to decode fields into
	nameOf    map[reflect.Type]string
	sentinels map[string]error
	sentName  map[error]string
}

var registry = errorRegistry{
	byName:    map[string]func() error{},
	nameOf:    map[reflect.Type]string{},
	sentinels: map[string]error{},
	sentName:  map[error]string{},
}

// RegisterError registers the error type E (a pointer to a struct)
// under name, nova's exception class name (e.g. "NoValidHost"). A handler
// error whose chain contains an E travels with E's exported fields, and the
// caller rebuilds an E that errors.As finds. Register at init time on both
// sides; registering a name twice panics (a programming error).
func RegisterError[E error](name string) {
	var zero E
	t := reflect.TypeOf(zero)
	if t == nil {
		panic("rpc: RegisterError needs a concrete type, not an interface")
	}
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		panic("rpc: RegisterError needs a pointer to a struct, got " + t.String())
	}
	newE := func() error { return reflect.New(t.Elem()).Interface().(error) }
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if _, dup := registry.byName[name]; dup {
		panic("rpc: error name registered twice: " + name)
	}
	registry.byName[name] = newE
	registry.nameOf[t] = name
}

// RegisterSentinel registers an error value (errors.New) under name, so that
// errors.Is(err, sentinel) holds on the caller.
func RegisterSentinel(name string, sentinel error) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if _, dup := registry.sentinels[name]; dup {
		panic("rpc: error name registered twice: " + name)
	}
	registry.sentinels[name] = sentinel
	registry.sentName[sentinel] = name
}

func init() {
	RegisterError[*UnsupportedVersion]("UnsupportedVersion")
	RegisterError[*NoSuchMethod]("NoSuchMethod")
	RegisterError[*NoSuchNamespace]("NoSuchNamespace")
	RegisterError[*MalformedMessage]("MalformedMessage")
}

// toWire finds the first registered error in err's chain and describes it.
// The message is always the whole err.Error(), so wrapping context survives.
func toWire(err error) *WireError {
	we := &WireError{Type: fmt.Sprintf("%T", err), Message: err.Error()}
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	var found error
	walkChain(err, func(e error) bool {
		if name, ok := registry.nameOf[reflect.TypeOf(e)]; ok {
			we.Type, found = name, e
			return true
		}
		if reflect.TypeOf(e).Comparable() {
			if name, ok := registry.sentName[e]; ok {
				we.Type = name
				return true
			}
		}
		return false
	})
	if found != nil {
		if b, mErr := msgpack.Marshal(found); mErr == nil {
			we.Fields = b
		}
	}
	return we
}

// walkChain visits err and everything it wraps, depth first, until visit
// returns true.
func walkChain(err error, visit func(error) bool) bool {
	if err == nil {
		return false
	}
	if visit(err) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return walkChain(u.Unwrap(), visit)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if walkChain(e, visit) {
				return true
			}
		}
	}
	return false
}

// fromWire rebuilds a handler's error on the caller.
func fromWire(we *WireError, method, subject string) error {
	re := &RemoteError{Type: we.Type, Message: we.Message, Method: method, Subject: subject}
	registry.mu.RLock()
	newE, typed := registry.byName[we.Type]
	sentinel, isSentinel := registry.sentinels[we.Type]
	registry.mu.RUnlock()
	switch {
	case typed:
		e := newE()
		if len(we.Fields) > 0 {
			if err := msgpack.Unmarshal(we.Fields, e); err != nil {
				// The type is known but its fields changed shape: keep the
				// type so errors.As still works, with zero fields.
				e = newE()
			}
		}
		re.cause = e
	case isSentinel:
		re.cause = sentinel
	}
	return re
}
