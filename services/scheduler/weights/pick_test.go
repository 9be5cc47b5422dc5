package weights

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func weighed(weights ...float64) []WeighedHost {
	out := make([]WeighedHost, len(weights))
	for i, w := range weights {
		out[i] = WeighedHost{Host: host(string(rune('a'+i)), 0, 1, 0, 0, 0), Weight: w}
	}
	return out
}

func TestPickDefaultIsDeterministic(t *testing.T) {
	in := weighed(3, 2, 1, 0)
	for range 20 {
		if got := hostNames(Pick(in, DefaultPickOptions())); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
			t.Fatalf("default pick reordered hosts: %v", got)
		}
	}
}

func TestPickHostSubsetSize(t *testing.T) {
	in := weighed(5, 4, 3, 2, 1)
	orig := hostNames(in)
	r := rand.New(rand.NewPCG(1, 2))
	chosen := map[string]int{}
	for range 300 {
		got := hostNames(Pick(in, PickOptions{HostSubsetSize: 3, Rand: r}))
		chosen[got[0]]++
		// The rest keep their weight order: nova removes the chosen host
		// and appends the others as they were.
		rest := slices.DeleteFunc(slices.Clone(orig), func(n string) bool { return n == got[0] })
		if !slices.Equal(got[1:], rest) {
			t.Fatalf("alternates %v, want %v", got[1:], rest)
		}
	}
	for _, n := range []string{"a", "b", "c"} {
		if chosen[n] == 0 {
			t.Errorf("host %s in the best 3 was never chosen: %v", n, chosen)
		}
	}
	if chosen["d"]+chosen["e"] != 0 {
		t.Errorf("a host outside the subset was chosen: %v", chosen)
	}
	if !slices.Equal(hostNames(in), orig) {
		t.Error("Pick modified its input")
	}
}

func TestPickSubsetLargerThanHosts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	seen := map[string]bool{}
	for range 100 {
		got := Pick(weighed(2, 1), PickOptions{HostSubsetSize: 10, Rand: r})
		if len(got) != 2 {
			t.Fatalf("got %d hosts", len(got))
		}
		seen[got[0].Host.Host] = true
	}
	if !seen["a"] || !seen["b"] {
		t.Errorf("with a subset over the host count, both hosts should be chosen sometimes: %v", seen)
	}
}

func TestPickShuffleBestSameWeighed(t *testing.T) {
	in := weighed(7, 7, 7, 5, 1)
	r := rand.New(rand.NewPCG(5, 6))
	first := map[string]int{}
	for range 300 {
		got := hostNames(Pick(in, PickOptions{HostSubsetSize: 1, ShuffleBestSameWeighedHosts: true, Rand: r}))
		first[got[0]]++
		if !slices.Equal(got[3:], []string{"d", "e"}) {
			t.Fatalf("hosts below the best weight moved: %v", got)
		}
		if s := slices.Sorted(slices.Values(got[:3])); !slices.Equal(s, []string{"a", "b", "c"}) {
			t.Fatalf("best hosts lost: %v", got)
		}
	}
	if len(first) != 3 {
		t.Errorf("every tied best host should come first sometimes: %v", first)
	}
}

func TestPickTinyInputs(t *testing.T) {
	if got := Pick(nil, PickOptions{HostSubsetSize: 3}); len(got) != 0 {
		t.Errorf("Pick(nil) = %v", got)
	}
	if got := Pick(weighed(1), PickOptions{HostSubsetSize: 3, ShuffleBestSameWeighedHosts: true}); len(got) != 1 {
		t.Errorf("Pick(one) = %v", got)
	}
	// A zero subset size (unvalidated options) acts as 1.
	if got := hostNames(Pick(weighed(2, 1), PickOptions{})); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("zero subset size reordered: %v", got)
	}
}

func TestPickOptionsValidate(t *testing.T) {
	if err := DefaultPickOptions().Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	err := PickOptions{HostSubsetSize: 0}.Validate()
	if err == nil || err.Error() != "host_subset_size 0 must be at least 1" {
		t.Errorf("Validate() = %v", err)
	}
}
