package sim

import (
	"fmt"
	"sort"
	"sync"

	"github.com/novanats/novanats/services/compute/virt"
)

// Fabric is the migration network joining simulated hosts: a source finds
// its destination's driver here by host name, the way libvirt would connect
// to the destination's libvirtd.
type Fabric struct {
	mu    sync.Mutex
	hosts map[string]*Driver
}

// NewFabric returns an empty fabric.
func NewFabric() *Fabric { return &Fabric{hosts: map[string]*Driver{}} }

func (f *Fabric) register(host string, d *Driver) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if other, ok := f.hosts[host]; ok && other != d {
		return fmt.Errorf("sim: %w: host %q is already on the fabric", virt.ErrInvalidInput, host)
	}
	f.hosts[host] = d
	return nil
}

func (f *Fabric) unregister(host string, d *Driver) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hosts[host] == d {
		delete(f.hosts, host)
	}
}

// attached reports whether d is still on the fabric as host.
func (f *Fabric) attached(host string, d *Driver) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hosts[host] == d
}

func (f *Fabric) lookup(host string) (*Driver, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.hosts[host]
	return d, ok
}

// Hosts lists the host names on the fabric, sorted.
func (f *Fabric) Hosts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.hosts))
	for h := range f.hosts {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}
