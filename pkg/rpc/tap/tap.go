// Package tap watches RPC traffic on NATS and decodes it: every call, cast
// and fanout with its method, version and request id, and every reply
// matched to its request with the latency. It only subscribes; it never
// publishes. `novanats rpc tap` is built on it.
//
// One effect of watching cannot be avoided: NATS counts the tap's
// subscription as a listener on every subject it covers, so while a tap
// runs, a call to a server that is not there waits for its timeout instead
// of failing at once with "no responders".
package tap

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/novanats/novanats/pkg/rpc"
)

// Kind of a tapped message.
const (
	KindCall      = "call"
	KindCast      = "cast"
	KindFanout    = "fanout"
	KindReply     = "reply"
	KindError     = "error"
	KindHeartbeat = "heartbeat"
)

// Event is one decoded message.
type Event struct {
	Time      time.Time `json:"time"`
	Subject   string    `json:"subject"`
	Kind      string    `json:"kind"`
	Method    string    `json:"method,omitempty"`
	Namespace string    `json:"namespace,omitempty"`
	Version   string    `json:"version,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	// TraceID is the W3C trace id of the request's traceparent header, when
	// its sender was in a trace: every message of one CLI command or
	// LiveMigration shares it.
	TraceID string        `json:"trace_id,omitempty"`
	Caller  string        `json:"caller,omitempty"`
	Args    string        `json:"args,omitempty"`
	Bytes   int           `json:"bytes"`
	Reply   string        `json:"reply_subject,omitempty"`
	Error   string        `json:"error,omitempty"`
	Latency time.Duration `json:"latency_ns,omitempty"`
	// InReplyTo, on replies, is the subject of the request answered.
	InReplyTo string `json:"in_reply_to,omitempty"`
}

// Options adjust Run.
type Options struct {
	// Subjects to watch; default every subject (">"), from which the
	// JetStream API and KV traffic is left out.
	Subjects []string
	// ArgsWidth bounds the short form of the args (default 120 characters).
	ArgsWidth int
	// PendingTTL forgets requests whose reply never came (default 5 min).
	PendingTTL time.Duration
	// Ready, when set, is called once the subscriptions are in place: every
	// message published after it returns is seen.
	Ready func()
	// RequestID and TraceID, when set, keep only the events of that
	// request (nova's request id, which a whole flow carries) or of that
	// W3C trace; replies and errors count as their call's.
	RequestID, TraceID string
}

// keeps says whether ev passes the options' filters.
func (o *Options) keeps(ev Event) bool {
	return (o.RequestID == "" || ev.RequestID == o.RequestID) && (o.TraceID == "" || ev.TraceID == o.TraceID)
}

// Run watches until ctx ends, calling sink for each event (from one
// goroutine, in arrival order).
func Run(ctx context.Context, nc *nats.Conn, opts Options, sink func(Event)) error {
	if len(opts.Subjects) == 0 {
		opts.Subjects = []string{">"}
	}
	if opts.ArgsWidth == 0 {
		opts.ArgsWidth = 120
	}
	if opts.PendingTTL == 0 {
		opts.PendingTTL = 5 * time.Minute
	}
	ch := make(chan *nats.Msg, 4096)
	var subs []*nats.Subscription
	defer func() {
		for _, s := range subs {
			_ = s.Unsubscribe()
		}
	}()
	for _, subj := range opts.Subjects {
		s, err := nc.ChanSubscribe(subj, ch)
		if err != nil {
			return fmt.Errorf("tap: subscribe %q: %w", subj, err)
		}
		subs = append(subs, s)
	}
	// Replies go to inboxes the wildcard may not cover when the user named
	// subjects: watch them too.
	if !covers(opts.Subjects, "_INBOX.x.y") {
		s, err := nc.ChanSubscribe("_INBOX.>", ch)
		if err != nil {
			return fmt.Errorf("tap: subscribe to reply inboxes: %w", err)
		}
		subs = append(subs, s)
	}
	if err := nc.Flush(); err != nil {
		return fmt.Errorf("tap: %w", err)
	}
	if opts.Ready != nil {
		opts.Ready()
	}
	d := newDecoder(opts)
	sweep := time.NewTicker(opts.PendingTTL)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-ch:
			if ev, ok := d.decode(m, time.Now()); ok && opts.keeps(ev) {
				sink(ev)
			}
		case now := <-sweep.C:
			d.forget(now)
		}
	}
}

func covers(patterns []string, subject string) bool {
	for _, p := range patterns {
		if p == ">" || (strings.HasSuffix(p, ".>") && strings.HasPrefix(subject, strings.TrimSuffix(p, ">"))) {
			return true
		}
	}
	return false
}

// decoder turns messages into events and remembers calls awaiting replies.
type decoder struct {
	opts    Options
	mu      sync.Mutex
	pending map[string]Event // by reply subject
}

func newDecoder(opts Options) *decoder {
	return &decoder{opts: opts, pending: map[string]Event{}}
}

// ignored are subjects that are never RPC: JetStream's API and KV traffic
// and NATS's own system subjects.
func ignored(subject string) bool {
	for _, p := range []string{"$JS.", "$KV.", "$SYS.", "$SRV.", "$O."} {
		if strings.HasPrefix(subject, p) {
			return true
		}
	}
	return false
}

func (d *decoder) decode(m *nats.Msg, now time.Time) (Event, bool) {
	if ignored(m.Subject) {
		return Event{}, false
	}
	d.mu.Lock()
	req, isReply := d.pending[m.Subject]
	d.mu.Unlock()
	if isReply {
		return d.reply(m, req, now)
	}
	r, err := rpc.DecodeRequest(m.Data)
	if err != nil {
		return Event{}, false // not an RPC request (another application's traffic)
	}
	ev := Event{
		Time: now, Subject: m.Subject, Method: r.Method, Namespace: r.Namespace, Version: r.Version,
		RequestID: r.Context.RequestID, Bytes: len(m.Data), Reply: m.Reply,
		Args: shortArgs(r.Args, d.opts.ArgsWidth),
	}
	if m.Header != nil {
		ev.Caller = m.Header.Get(rpc.HeaderCaller)
		if id := m.Header.Get(rpc.HeaderRequestID); id != "" {
			ev.RequestID = id
		}
		ev.TraceID = traceID(m.Header.Get(rpc.HeaderTraceParent))
	}
	switch {
	case strings.HasSuffix(m.Subject, "_fanout"):
		ev.Kind = KindFanout
	case m.Reply != "":
		ev.Kind = KindCall
		d.mu.Lock()
		d.pending[m.Reply] = ev
		d.mu.Unlock()
	default:
		ev.Kind = KindCast
	}
	return ev, true
}

// traceID is the trace id of a W3C traceparent
// ("00-<32 hex trace id>-<16 hex span id>-<flags>"), or "" when tp is not
// one.
func traceID(tp string) string {
	parts := strings.Split(tp, "-")
	if len(parts) != 4 || len(parts[1]) != 32 {
		return ""
	}
	return parts[1]
}

func (d *decoder) reply(m *nats.Msg, req Event, now time.Time) (Event, bool) {
	ev := Event{Time: now, Subject: m.Subject, Method: req.Method, RequestID: req.RequestID, TraceID: req.TraceID,
		InReplyTo: req.Subject, Bytes: len(m.Data), Latency: now.Sub(req.Time)}
	if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
		ev.Kind, ev.Error = KindError, "no responders"
		d.done(m.Subject)
		return ev, true
	}
	rep, err := rpc.DecodeReply(m.Data)
	if err != nil {
		ev.Kind, ev.Error = KindError, "undecodable reply: "+err.Error()
		d.done(m.Subject)
		return ev, true
	}
	switch rep.Kind {
	case rpc.ReplyHeartbeat:
		ev.Kind = KindHeartbeat
		return ev, true
	case rpc.ReplyError:
		ev.Kind, ev.Error = KindError, rep.Error.Type+": "+rep.Error.Message
	default:
		ev.Kind = KindReply
		ev.Args = shortArgs(rep.Result, d.opts.ArgsWidth)
	}
	d.done(m.Subject)
	return ev, true
}

func (d *decoder) done(reply string) {
	d.mu.Lock()
	delete(d.pending, reply)
	d.mu.Unlock()
}

func (d *decoder) forget(now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, ev := range d.pending {
		if now.Sub(ev.Time) > d.opts.PendingTTL {
			delete(d.pending, k)
		}
	}
}

// shortArgs renders msgpack args compactly: maps as k=v, versioned objects
// as Name(field=value, ...), long values cut.
func shortArgs(raw msgpack.RawMessage, width int) string {
	var v any
	if err := msgpack.Unmarshal(raw, &v); err != nil {
		return "<undecodable>"
	}
	s := render(v)
	if len(s) > width {
		s = s[:width-1] + "…"
	}
	return s
}

func render(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case map[string]any:
		if name, ok := t["nova_object.name"].(string); ok {
			data, _ := t["nova_object.data"].(map[string]any)
			return name + "(" + renderMap(data, "uuid", "id", "host", "status") + ")"
		}
		return renderMap(t)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = render(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case string:
		return t
	case time.Time:
		return t.UTC().Format(time.RFC3339)
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t)
		}
		return string(b)
	}
}

// renderMap lists keys sorted; keys named in first come first (for objects:
// the identifying fields).
func renderMap(m map[string]any, first ...string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		for i, f := range first {
			if f == k {
				return i
			}
		}
		return len(first)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := rank(keys[i]), rank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + render(m[k])
	}
	return strings.Join(parts, " ")
}

// Format renders an event as one line for a terminal.
func Format(ev Event) string {
	ts := ev.Time.Format("15:04:05.000")
	switch ev.Kind {
	case KindReply, KindError, KindHeartbeat:
		out := fmt.Sprintf("%s %-9s %-40s %s %s after %s", ts, ev.Kind, ev.InReplyTo, ev.Method, ev.RequestID, ev.Latency.Round(time.Microsecond))
		if ev.Error != "" {
			out += " " + ev.Error
		} else if ev.Args != "" {
			out += " -> " + ev.Args
		}
		return out
	}
	who := ""
	if ev.Caller != "" {
		who = " from " + ev.Caller
	}
	ns := ""
	if ev.Namespace != "" {
		ns = ev.Namespace + "."
	}
	return fmt.Sprintf("%s %-9s %-40s %s%s v%s %s%s %s", ts, ev.Kind, ev.Subject, ns, ev.Method, ev.Version, ev.RequestID, who, ev.Args)
}
