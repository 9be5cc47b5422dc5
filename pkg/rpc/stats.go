package rpc

import (
	"sync"
	"time"
)

// serverStats keeps per-method counters for discovery ($SRV.STATS): the
// numbers `nats micro stats` shows.
type serverStats struct {
	mu      sync.Mutex
	started time.Time
	byName  map[string]*MethodStats
}

// MethodStats are one method's counters since the server started.
type MethodStats struct {
	Requests   int64
	Errors     int64
	Processing time.Duration
	LastError  string
}

func newServerStats() *serverStats {
	return &serverStats{started: time.Now(), byName: map[string]*MethodStats{}}
}

func (s *serverStats) record(method string, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.byName[method]
	if st == nil {
		st = &MethodStats{}
		s.byName[method] = st
	}
	st.Requests++
	st.Processing += d
	if err != nil {
		st.Errors++
		st.LastError = err.Error()
	}
}

// Stats returns a copy of the per-method counters and the server's start time.
func (s *Server) Stats() (map[string]MethodStats, time.Time) {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	out := make(map[string]MethodStats, len(s.stats.byName))
	for k, v := range s.stats.byName {
		out[k] = *v
	}
	return out, s.stats.started
}
