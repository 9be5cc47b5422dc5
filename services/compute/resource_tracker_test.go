package compute

import (
	"errors"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/services/compute/virt"
)

func TestUsageOf(t *testing.T) {
	fl := new(objects.Flavor)
	fl.VCPUs.Set(4)
	fl.MemoryMB.Set(8192)
	fl.RootGB.Set(40)
	fl.EphemeralGB.Set(10)
	fl.Swap.Set(512)
	inst := new(objects.Instance)
	inst.UUID.Set("3f1b2c4d-1111-4222-8333-444455556666")
	inst.Flavor.Set(fl)
	// No flat sizes: the flavor's.
	if u := usageOf(inst); u != (usage{VCPUs: 4, MemoryMB: 8192, LocalGB: 50, SwapMB: 512}) {
		t.Errorf("from the flavor: %+v", u)
	}
	// Flat sizes win, as nova copies them from the flavor at create.
	inst.VCPUs.Set(2)
	inst.MemoryMB.Set(2048)
	inst.RootGB.Set(20)
	inst.EphemeralGB.Set(0)
	if u := usageOf(inst); u != (usage{VCPUs: 2, MemoryMB: 2048, LocalGB: 20, SwapMB: 512}) {
		t.Errorf("from the instance: %+v", u)
	}
	inst.TaskState.Set(objects.TaskSpawning)
	if tr := trackedOf(inst); !tr.busy {
		t.Error("a spawning instance is not busy")
	}
}

func TestCountsOnNode(t *testing.T) {
	for vm, want := range map[objects.VMState]bool{
		objects.VMStateActive: true, objects.VMStateBuilding: true, objects.VMStateError: true,
		objects.VMStateDeleted: false, objects.VMStateShelvedOffloaded: false,
	} {
		inst := new(objects.Instance)
		inst.VMState.Set(vm)
		if got := countsOnNode(inst); got != want {
			t.Errorf("%s counts: %v, want %v", vm, got, want)
		}
	}
}

func TestGuestSpecOf(t *testing.T) {
	inst := new(objects.Instance)
	inst.UUID.Set("3f1b2c4d-1111-4222-8333-444455556666")
	inst.DisplayName.Set("web-1")
	inst.VCPUs.Set(2)
	inst.MemoryMB.Set(1024)
	inst.RootGB.Set(10)
	inst.EphemeralGB.Set(5)
	g, err := guestSpecOf(inst)
	if err != nil || g != (virt.GuestSpec{UUID: inst.UUID.Get(), Name: "web-1", VCPUs: 2, MemoryMB: 1024, DiskGB: 15}) {
		t.Errorf("guest %+v (%v)", g, err)
	}
	inst.MemoryMB.Set(0)
	if _, err := guestSpecOf(inst); !errors.Is(err, virt.ErrInvalidInput) {
		t.Errorf("no memory: %v", err)
	}
}
