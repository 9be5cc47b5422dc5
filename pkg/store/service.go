package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/servicegroup"
)

// Services stores Service records by host and binary (one nova-compute per
// host), indexed by topic and binary.
type Services struct {
	t *table[objects.Service, *objects.Service]
}

// Index names of the services table.
const (
	IndexServiceTopic  = "topic"
	IndexServiceBinary = "binary"
)

func newServices(s *Store, attempts int) (*Services, error) {
	t, err := newTable(s, tableSpec[objects.Service, *objects.Service]{
		bucket: "services",
		keyOf: func(sv *objects.Service) ([]string, error) {
			host, err := nonEmpty("host", &sv.Host)
			if err != nil {
				return nil, err
			}
			binary, err := nonEmpty("binary", &sv.Binary)
			if err != nil {
				return nil, err
			}
			return []string{host, binary}, nil
		},
		notFound:   func(p []string) error { return &exception.HostBinaryNotFound{Host: p[0], Binary: p[1]} },
		persistent: func(sv *objects.Service) *objects.Persistent { return &sv.Persistent },
		id:         func(sv *objects.Service) *objects.Field[int] { return &sv.ID },
		immutable:  []string{"id", "host", "binary"},
		indexes: []db.Index[*objects.Service]{
			{Name: IndexServiceTopic, Values: func(sv *objects.Service) []string { return someString(&sv.Topic) }},
			{Name: IndexServiceBinary, Values: func(sv *objects.Service) []string { return someString(&sv.Binary) }},
		},
	}, attempts)
	if err != nil {
		return nil, err
	}
	return &Services{t: t}, nil
}

// Create stores a new service: it must have a host and a binary and no id.
func (s *Services) Create(ctx context.Context, sv *objects.Service) error {
	return s.t.create(ctx, sv)
}

// Get returns the service of binary on host, or
// *exception.HostBinaryNotFound (nova's Service.get_by_host_and_binary).
func (s *Services) Get(ctx context.Context, host, binary string) (*objects.Service, error) {
	return s.t.get(ctx, host, binary)
}

// GetOrCreate returns the stored service of sv's host and binary, creating
// it from sv the first time: what a service does when it starts.
func (s *Services) GetOrCreate(ctx context.Context, sv *objects.Service) (*objects.Service, error) {
	parts, err := s.t.spec.keyOf(sv)
	if err != nil {
		return nil, actionError("create", err)
	}
	cur, err := s.Get(ctx, parts[0], parts[1])
	if !errors.Is(err, exception.ErrNotFound) {
		return cur, err
	}
	c, err := objects.Clone(sv)
	if err != nil {
		return nil, err
	}
	createErr := s.Create(ctx, c)
	if createErr == nil {
		return c, nil
	}
	// Another process of the same service may have created it first.
	if cur, err := s.Get(ctx, parts[0], parts[1]); err == nil {
		return cur, nil
	}
	return nil, createErr
}

// Save writes sv's changed fields onto the stored service. A save that
// changes report_count is a state report, as in nova's service_update: the
// store stamps last_seen_up with its own clock (so reporters' clock skew
// does not matter) and keeps report_count counting up even if the
// reporter's copy was stale.
func (s *Services) Save(ctx context.Context, sv *objects.Service) error {
	return s.t.save(ctx, sv, saveHooks[*objects.Service]{adjust: s.reported})
}

func (s *Services) reported(cur, next *objects.Service, changed []string) {
	if !slices.Contains(changed, "report_count") {
		return
	}
	next.ReportCount.Set(max(next.ReportCount.Get(), cur.ReportCount.Get()+1))
	next.LastSeenUp.Set(s.t.store.Now())
}

// Report records that the service of binary on host is alive: report_count
// up by one and last_seen_up now. Services that reach the store directly
// (conductor, scheduler) report with it.
func (s *Services) Report(ctx context.Context, host, binary string) (*objects.Service, error) {
	return s.t.update(ctx, []string{host, binary}, nil, func(sv *objects.Service) error {
		sv.ReportCount.Set(sv.ReportCount.Get() + 1)
		sv.LastSeenUp.Set(s.t.store.Now())
		return nil
	})
}

// Update applies fn to the stored service, retried on conflict: how an
// operator's disable or force-down lands without losing a report.
func (s *Services) Update(ctx context.Context, host, binary string, fn func(*objects.Service) error) (*objects.Service, error) {
	return s.t.update(ctx, []string{host, binary}, nil, fn)
}

// Reporter is a servicegroup.ReportFunc reporting for binary on host.
func (s *Services) Reporter(host, binary string) servicegroup.ReportFunc {
	return func(ctx context.Context) error {
		_, err := s.Report(ctx, host, binary)
		return err
	}
}

// Refresh replaces sv with the stored service.
func (s *Services) Refresh(ctx context.Context, sv *objects.Service) error {
	return s.t.refresh(ctx, sv)
}

// Destroy deletes the service's record.
func (s *Services) Destroy(ctx context.Context, sv *objects.Service) error {
	return s.t.destroy(ctx, sv)
}

// ListByTopic returns the services of a topic, sorted by host and binary.
func (s *Services) ListByTopic(ctx context.Context, topic string) ([]*objects.Service, error) {
	return s.t.byIndex(ctx, IndexServiceTopic, topic)
}

// ListByBinary returns the services of a binary ("nova-compute"), sorted by
// host.
func (s *Services) ListByBinary(ctx context.Context, binary string) ([]*objects.Service, error) {
	return s.t.byIndex(ctx, IndexServiceBinary, binary)
}

// List returns every service.
func (s *Services) List(ctx context.Context) ([]*objects.Service, error) {
	return s.t.list(ctx)
}

// IsUp says whether sv is alive at now under cfg: not forced down and
// last seen within the (2.5x-adjusted) service_down_time.
func IsUp(sv *objects.Service, cfg servicegroup.Config, now time.Time) bool {
	last, _ := sv.LastSeenUp.Lookup()
	return cfg.IsUp(sv.ForcedDown.Get(), last, now)
}
