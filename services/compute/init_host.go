package compute

import (
	"context"
	"errors"
	"fmt"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
)

// initHost is what a compute does before it serves: nova's service start
// (the Service record, created the first time), init_host (the driver
// takes the host, and every instance the records place here is brought to
// a consistent state) and pre_start_hook (update_available_resource:
// the ComputeNode record, its usage, the inventory in placement). It runs
// under one request id, on every line it logs and every conductor call.
func (m *Manager) initHost(ctx context.Context) error {
	ctx, _ = rpc.EnsureRequestContext(ctx)
	if err := m.driver.Init(m.host); err != nil {
		return fmt.Errorf("compute: init driver for host %s: %w", m.host, err)
	}
	svc, err := m.registerService(ctx)
	if err != nil {
		return fmt.Errorf("compute: register service: %w", err)
	}
	m.rt.setService(svc.ID.Get())
	instances, err := m.conductor.InstancesByHost(ctx, m.host)
	if err != nil {
		return fmt.Errorf("compute: list the instances of host %s: %w", m.host, err)
	}
	for _, inst := range instances {
		m.initInstance(ctx, inst)
	}
	if err := m.rt.updateAvailableResource(ctx); err != nil {
		return fmt.Errorf("compute: update_available_resource: %w", err)
	}
	return nil
}

// registerService returns the compute's Service record, creating it the
// first time this host starts (nova's Service.start).
func (m *Manager) registerService(ctx context.Context) (*objects.Service, error) {
	svc, err := m.conductor.GetService(ctx, m.host, Binary)
	if err == nil || !errors.Is(err, exception.ErrNotFound) {
		return svc, err
	}
	svc = new(objects.Service)
	svc.Host.Set(m.host)
	svc.Binary.Set(Binary)
	svc.Topic.Set(Topic)
	svc.Disabled.Set(false)
	svc.ReportCount.Set(0)
	svc.Version.Set(1)
	if err := m.conductor.Create(ctx, svc); err != nil {
		// Another process of this host may have created it first.
		if again, gerr := m.conductor.GetService(ctx, m.host, Binary); gerr == nil {
			return again, nil
		}
		return nil, err
	}
	rpc.Logger(ctx, m.log).Info("service record created", "binary", Binary, "topic", Topic)
	return svc, nil
}
