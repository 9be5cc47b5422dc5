package objects

import (
	"slices"
	"testing"
)

// NewFlavor sets the eight fields the CLI, demo and tests relied on, leaves
// description unset, and the flavor it makes survives the wire both ways.
func TestNewFlavor(t *testing.T) {
	f := NewFlavor("m1.small", 2, 2048, 20)
	check := func(what string, f *Flavor) {
		t.Helper()
		if f.FlavorID.Get() != "m1.small" || f.Name.Get() != "m1.small" {
			t.Errorf("%s: flavorid %q, name %q, want both m1.small", what, f.FlavorID.Get(), f.Name.Get())
		}
		if f.VCPUs.Get() != 2 || f.MemoryMB.Get() != 2048 || f.RootGB.Get() != 20 {
			t.Errorf("%s: vcpus %d, memory_mb %d, root_gb %d, want 2, 2048, 20", what, f.VCPUs.Get(), f.MemoryMB.Get(), f.RootGB.Get())
		}
		if !f.EphemeralGB.IsSet() || f.EphemeralGB.Get() != 0 || !f.Swap.IsSet() || f.Swap.Get() != 0 {
			t.Errorf("%s: ephemeral_gb %d (set %v), swap %d (set %v), want both set to 0",
				what, f.EphemeralGB.Get(), f.EphemeralGB.IsSet(), f.Swap.Get(), f.Swap.IsSet())
		}
		if !f.ExtraSpecs.IsSet() || f.ExtraSpecs.Get() == nil || len(f.ExtraSpecs.Get()) != 0 {
			t.Errorf("%s: extra_specs %#v (set %v), want an empty map", what, f.ExtraSpecs.Get(), f.ExtraSpecs.IsSet())
		}
		if f.ID.IsSet() || f.Description.IsSet() {
			t.Errorf("%s: id set %v, description set %v, want neither", what, f.ID.IsSet(), f.Description.IsSet())
		}
	}
	check("new", f)
	want := []string{"ephemeral_gb", "extra_specs", "flavorid", "memory_mb", "name", "root_gb", "swap", "vcpus"}
	if got := slices.Sorted(slices.Values(f.ObjWhatChanged())); !slices.Equal(got, want) {
		t.Errorf("changed %v, want %v", got, want)
	}

	p := mustPrimitive(t, f)
	back, ok := mustDecode(t, p).(*Flavor)
	if !ok {
		t.Fatalf("Decode gave %T, want *Flavor", back)
	}
	check("primitive round trip", back)
	samePrimitive(t, "primitive round trip", mustPrimitive(t, back), p)

	b, err := Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	o, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	viaMsgpack, ok := o.(*Flavor)
	if !ok {
		t.Fatalf("Unmarshal gave %T, want *Flavor", o)
	}
	check("msgpack round trip", viaMsgpack)
	samePrimitive(t, "msgpack round trip", mustPrimitive(t, viaMsgpack), p)

	// Each call is a flavor of its own: the callers set more on theirs.
	g := NewFlavor("m1.small", 2, 2048, 20)
	g.ExtraSpecs.Get()["hw:cpu_policy"] = "dedicated"
	if len(f.ExtraSpecs.Get()) != 0 {
		t.Error("two flavors share one extra_specs map")
	}
}
