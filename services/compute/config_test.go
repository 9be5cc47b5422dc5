package compute

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/config"
)

func TestDefaultConfigIsNovas(t *testing.T) {
	c := DefaultConfig("cmp1")
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Host != "cmp1" || c.ReservedHostMemoryMB != 512 || c.MaxConcurrentBuilds != 10 || c.MaxConcurrentLiveMigrations != 1 ||
		c.ReportInterval != 10*time.Second || c.ServiceDownTime != 60*time.Second || c.ExecutorThreadPoolSize != 64 ||
		c.RPCResponseTimeout != 60*time.Second {
		t.Errorf("defaults %+v", c)
	}
	// The project's initial ratios (nova's before Stein), as pkg/config
	// declares them.
	if r := c.ratios(); r != (Ratios{CPU: 16.0, RAM: 1.5, Disk: 1.0}) {
		t.Errorf("initial ratios %+v", r)
	}
	if d := c.updateResourcesInterval(); d != 60*time.Second {
		t.Errorf("update_resources_interval 0 runs every %s, want nova's 60s", d)
	}
}

// A compute binds its options from the same sources as every service.
func TestNewConfigBindsNovaOptions(t *testing.T) {
	vals, err := config.ForService(config.ServiceCompute).Load(config.Sources{Env: []string{
		"NOVANATS_DEFAULT__HOST=cmp7",
		"NOVANATS_DEFAULT__RESERVED_HOST_MEMORY_MB=2048",
		"NOVANATS_DEFAULT__CPU_ALLOCATION_RATIO=3.0",
		"NOVANATS_DEFAULT__UPDATE_RESOURCES_INTERVAL=30",
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewConfig(vals)
	if err != nil {
		t.Fatal(err)
	}
	if c.Host != "cmp7" || c.ReservedHostMemoryMB != 2048 || c.ratios().CPU != 3.0 ||
		c.updateResourcesInterval() != 30*time.Second || c.MaxConcurrentBuilds != DefaultMaxConcurrentBuilds {
		t.Errorf("bound config %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestConfigOptionSemantics(t *testing.T) {
	var c Config
	c.Host, c.CPUAllocationRatio, c.InitialRAMAllocationRatio = "h", 8, 1.25
	// The configured ratio beats the initial one; an unset initial ratio
	// is the project's default.
	if r := c.ratios(); r != (Ratios{CPU: 8, RAM: 1.25, Disk: 1.0}) {
		t.Errorf("ratios %+v", r)
	}
	c.UpdateResourcesInterval = -time.Second
	if d := c.updateResourcesInterval(); d != 0 {
		t.Errorf("negative update_resources_interval runs every %s, want never", d)
	}
	c.UpdateResourcesInterval = 5 * time.Second
	if d := c.updateResourcesInterval(); d != 5*time.Second {
		t.Errorf("update_resources_interval 5s runs every %s", d)
	}
	if c.rpcTimeout() != 60*time.Second {
		t.Errorf("rpc_response_timeout 0 is %s, want 60s", c.rpcTimeout())
	}
}

func TestConfigValidateNamesTheOption(t *testing.T) {
	for _, tt := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.Host = "" }, "host"},
		{func(c *Config) { c.ReservedHostMemoryMB = -1 }, "reserved_host_memory_mb"},
		{func(c *Config) { c.ReservedHostDiskMB = -1 }, "reserved_host_disk_mb"},
		{func(c *Config) { c.ReservedHostCPUs = -1 }, "reserved_host_cpus"},
		{func(c *Config) { c.MaxConcurrentBuilds = -1 }, "max_concurrent_builds"},
		{func(c *Config) { c.MaxConcurrentLiveMigrations = -1 }, "max_concurrent_live_migrations"},
		{func(c *Config) { c.ExecutorThreadPoolSize = -1 }, "executor_thread_pool_size"},
		{func(c *Config) { c.RPCResponseTimeout = -time.Second }, "rpc_response_timeout"},
		{func(c *Config) { c.CPUAllocationRatio = -1 }, "cpu_allocation_ratio"},
		{func(c *Config) { c.RAMAllocationRatio = math.NaN() }, "ram_allocation_ratio"},
		{func(c *Config) { c.InitialDiskAllocationRatio = math.Inf(1) }, "initial_disk_allocation_ratio"},
		{func(c *Config) { c.LiveMigrationDowntime = 1 }, "downtime"},
	} {
		c := DefaultConfig("cmp1")
		tt.mutate(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate() = %v, want an error naming %s", err, tt.want)
		}
	}
}
