package test

import (
	"errors"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute"
	"github.com/novanats/novanats/services/compute/virt"
)

// Each of the conductor's checks on a named destination refuses with
// nova's exception, and leaves what nova leaves: the instance active on
// its host with no task and a fault saying why, the Migration in 'error',
// the allocation back with the instance on the source and nothing held
// elsewhere, and the conductor's event finished with the error.
func TestLiveMigrationDestinationChecks(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	c.addHost(t, "cmp1", lmHost{})
	c.addHost(t, "cmp-old", lmHost{hypervisorVersion: 999999})
	c.addHost(t, "cmp-xen", lmHost{hypervisorType: "xen"})
	// 1024 MB with 512 reserved: 1024 × 1.5 − 512 = 1024 MB available,
	// not more than the instance's 2048.
	c.addHost(t, "cmp-tiny", lmHost{size: hostSize{vcpus: cmpVCPUs, memoryMB: 1024, localGB: cmpLocalGB}})
	c.addHost(t, "cmp-down", lmHost{})
	if _, err := c.store.Services.Update(objCtx(t), "cmp-down", compute.Binary, func(sv *objects.Service) error {
		sv.ForcedDown.Set(true)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		host  string
		force bool
		msg   string
		check func(t *testing.T, err error)
	}{
		{"same host", "cmp1", false, "Unable to migrate instance", func(t *testing.T, err error) {
			if e := asError[*exception.UnableToMigrateToSelf](err); e == nil || e.Host != "cmp1" {
				t.Errorf("refusal %#v", e)
			}
		}},
		{"destination forced down", "cmp-down", true, "Compute service of cmp-down is unavailable", func(t *testing.T, err error) {
			if e := asError[*exception.ComputeServiceUnavailable](err); e == nil || e.Host != "cmp-down" {
				t.Errorf("refusal %#v", e)
			}
		}},
		{"not enough memory", "cmp-tiny", false, "Lack of memory(host:1024 <= instance:2048)", func(t *testing.T, err error) {
			if e := asError[*virt.MigrationPreCheckError](err); e == nil || e.Host != "cmp-tiny" {
				t.Errorf("refusal %#v", e)
			}
		}},
		{"hypervisor type", "cmp-xen", true, "hypervisor type of cmp-xen (xen) is invalid", func(t *testing.T, err error) {
			if e := asError[*exception.InvalidHypervisorType](err); e == nil || e.Source != "sim" || e.Dest != "xen" {
				t.Errorf("refusal %#v", e)
			}
		}},
		{"destination hypervisor older", "cmp-old", false, "requires a newer hypervisor version", func(t *testing.T, err error) {
			if e := asError[*exception.DestinationHypervisorTooOld](err); e == nil || e.SourceVersion != 1000000 || e.DestVersion != 999999 {
				t.Errorf("refusal %#v", e)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst := c.activeOn(t, "cmp1")
			ctx, m, err := c.migrateServer(t, inst, tc.host, tc.force)
			if err == nil {
				t.Fatalf("migration to %s accepted: %s", tc.host, asJSONObj(t, m))
			}
			tc.check(t, err)
			expectRefused(t, c, ctx, inst, err, objects.VMStateActive, 1, tc.msg)
		})
	}
}

// asError is the E in err's chain, or nil.
func asError[E error](err error) E {
	var e E
	errors.As(err, &e)
	return e
}

// An instance that is not active (vm_state) is refused before anything is
// written, as nova-api's check_instance_state refuses it: no Migration,
// no action, the instance untouched. One whose guest is not running
// (power_state) passes that check and is refused by the conductor's
// task, with nova's InstanceInvalidState both times.
func TestLiveMigrationInactiveInstance(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	c.addHost(t, "cmp1", lmHost{})
	c.addHost(t, "cmp2", lmHost{})

	stopped := c.activeOn(t, "cmp1")
	if _, err := c.store.Instances.Update(objCtx(t), stopped.UUID.Get(), func(i *objects.Instance) error {
		i.VMState.Set(objects.VMStateStopped)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx, _, err := c.migrateServer(t, stopped, "", false)
	expectRefused(t, c, ctx, stopped, err, objects.VMStateStopped, 0, "in vm_state stopped")
	if e := asError[*exception.InstanceInvalidState](err); e == nil || e.Attr != "vm_state" {
		t.Errorf("refusal %+v", e)
	}
	if acts, err := c.store.Actions.ListByInstance(objCtx(t), stopped.UUID.Get()); err != nil || len(acts) != 1 || acts[0].Action.Get() != "create" {
		t.Errorf("a refused request recorded an action: %d actions (%v)", len(acts), err)
	}

	shutdown := c.activeOn(t, "cmp1")
	if _, err := c.store.Instances.Update(objCtx(t), shutdown.UUID.Get(), func(i *objects.Instance) error {
		i.PowerState.Set(objects.PowerShutdown)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx, _, err = c.migrateServer(t, shutdown, "", false)
	expectRefused(t, c, ctx, shutdown, err, objects.VMStateActive, 1, "in power_state shutdown")
	if e := asError[*exception.InstanceInvalidState](err); e == nil || e.Attr != "power_state" {
		t.Errorf("refusal %+v", e)
	}
}

// A source whose compute stopped reporting more than service_down_time
// ago is refused for a migration, scheduler-chosen or not: nothing can
// run the migration there.
func TestLiveMigrationSourceDown(t *testing.T) {
	c := startLMCloud(t, lmOptions{schedulers: 1})
	c.addHost(t, "cmp1", lmHost{})
	c.addHost(t, "cmp2", lmHost{})
	inst := c.activeOn(t, "cmp1")
	if err := c.computes["cmp1"].Stop(objCtx(t)); err != nil {
		t.Fatal(err)
	}
	// cmp2's reporter and periodic tasks and the conductor's and the
	// scheduler's reporters are left on the fake clock.
	if err := c.clock.WaitForTickers(objCtx(t), 4); err != nil {
		t.Fatal(err)
	}
	c.advanceAndAwaitReports(t, 61*time.Second, "cmp2")

	ctx, _, err := c.migrateServer(t, inst, "", false)
	expectRefused(t, c, ctx, inst, err, objects.VMStateActive, 1, "Compute service of cmp1 is unavailable")
	if e := asError[*exception.ComputeServiceUnavailable](err); e == nil || e.Host != "cmp1" {
		t.Errorf("refusal %#v", e)
	}
	ctx, _, err = c.migrateServer(t, inst, "cmp2", true)
	expectRefused(t, c, ctx, inst, err, objects.VMStateActive, 2, "Compute service of cmp1 is unavailable")
	if e := asError[*exception.ComputeServiceUnavailable](err); e == nil || e.Host != "cmp1" {
		t.Errorf("refusal %#v", e)
	}
}
