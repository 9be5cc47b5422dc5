package rpc

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"github.com/nats-io/nuid"
)

// Service discovery compatible with the NATS ecosystem: every RPC server
// answers the NATS micro protocol ($SRV.PING, $SRV.INFO, $SRV.STATS, each
// for all services, for a service name and for one instance), so the
// standard `nats micro list|info|stats` shows conductor, scheduler and each
// compute with their methods and per-method counters. The responses are the
// micro package's own types, so the JSON is exactly what the protocol
// defines.

// ServiceVersion is the novanats version reported in discovery.
const ServiceVersion = "0.1.0"

// discovery answers the micro protocol for one server.
type discovery struct {
	s    *Server
	id   string
	subs []*nats.Subscription
}

func (s *Server) startDiscovery() error {
	d := &discovery{s: s, id: nuid.Next()}
	verbs := []micro.Verb{micro.PingVerb, micro.InfoVerb, micro.StatsVerb}
	for _, verb := range verbs {
		for _, subj := range d.subjects(verb) {
			verb := verb
			sub, err := s.nc.Subscribe(subj, func(m *nats.Msg) { d.answer(verb, m) })
			if err != nil {
				d.stop()
				return fmt.Errorf("rpc: discovery subscribe %s: %w", subj, err)
			}
			d.subs = append(d.subs, sub)
		}
	}
	s.discovery = d
	return nil
}

func (d *discovery) subjects(verb micro.Verb) []string {
	var out []string
	for _, pair := range [][2]string{{"", ""}, {d.name(), ""}, {d.name(), d.id}} {
		subj, err := micro.ControlSubject(verb, pair[0], pair[1])
		if err == nil {
			out = append(out, subj)
		}
	}
	return out
}

// name is the micro service name: the topic (micro names allow letters,
// digits, '-' and '_'; topics that have others are reported with them
// replaced).
func (d *discovery) name() string {
	b := []byte(d.s.target.Topic)
	for i, c := range b {
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b[i] = '_'
		}
	}
	return string(b)
}

func (d *discovery) identity() micro.ServiceIdentity {
	return micro.ServiceIdentity{
		Name:    d.name(),
		ID:      d.id,
		Version: ServiceVersion,
		Metadata: map[string]string{
			"topic":  d.s.target.Topic,
			"server": d.s.target.Server,
			"prefix": d.s.opts.prefix,
		},
	}
}

func (d *discovery) answer(verb micro.Verb, m *nats.Msg) {
	var resp any
	switch verb {
	case micro.PingVerb:
		resp = micro.Ping{ServiceIdentity: d.identity(), Type: micro.PingResponseType}
	case micro.InfoVerb:
		resp = d.info()
	case micro.StatsVerb:
		resp = d.stats()
	}
	body, err := json.Marshal(resp)
	if err != nil {
		return
	}
	_ = m.Respond(body)
}

func (d *discovery) info() micro.Info {
	_, serverSubj, _ := d.s.Subjects()
	info := micro.Info{
		ServiceIdentity: d.identity(),
		Type:            micro.InfoResponseType,
		Description:     fmt.Sprintf("novanats %s service on %s", d.s.target.Topic, d.s.target.Server),
		Endpoints:       []micro.EndpointInfo{},
	}
	for _, h := range d.s.Handlers() {
		info.Endpoints = append(info.Endpoints, micro.EndpointInfo{
			Name:       h.Spec.Name,
			Subject:    serverSubj,
			QueueGroup: d.s.target.Topic,
			Metadata:   handlerMetadata(h),
		})
	}
	return info
}

func handlerMetadata(h HandlerInfo) map[string]string {
	return map[string]string{
		"namespace":        h.Spec.Namespace,
		"version":          h.Spec.Version,
		"endpoint_version": h.EndpointVersion,
		"call_type":        h.Spec.CallType,
		"handler":          h.HandlerAt,
	}
}

func (d *discovery) stats() micro.Stats {
	_, serverSubj, _ := d.s.Subjects()
	perMethod, started := d.s.Stats()
	st := micro.Stats{
		ServiceIdentity: d.identity(),
		Type:            micro.StatsResponseType,
		Started:         started.UTC(),
		Endpoints:       []*micro.EndpointStats{},
	}
	for _, h := range d.s.Handlers() {
		ms := perMethod[h.Spec.Name]
		es := &micro.EndpointStats{
			Name:           h.Spec.Name,
			Subject:        serverSubj,
			QueueGroup:     d.s.target.Topic,
			NumRequests:    int(ms.Requests),
			NumErrors:      int(ms.Errors),
			LastError:      ms.LastError,
			ProcessingTime: ms.Processing,
		}
		if ms.Requests > 0 {
			es.AverageProcessingTime = ms.Processing / time.Duration(ms.Requests)
		}
		st.Endpoints = append(st.Endpoints, es)
	}
	sort.Slice(st.Endpoints, func(i, j int) bool { return st.Endpoints[i].Name < st.Endpoints[j].Name })
	return st
}

func (d *discovery) stop() {
	for _, sub := range d.subs {
		_ = sub.Unsubscribe()
	}
}
