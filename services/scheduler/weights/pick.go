package weights

import (
	"fmt"
	"math/rand/v2"
)

// PickOptions are nova's options for choosing among the weighed hosts.
type PickOptions struct {
	// HostSubsetSize is nova's host_subset_size: the chosen host is drawn
	// at random from the best N. 1 (the default) always takes the best;
	// more lets parallel schedulers, which see the same weights, pick
	// different hosts instead of all racing for one.
	HostSubsetSize int
	// ShuffleBestSameWeighedHosts is nova's option of that name: shuffle
	// the hosts tied for the best weight first, so identical empty hosts
	// share the load even with HostSubsetSize 1.
	ShuffleBestSameWeighedHosts bool
	// Rand is the source of randomness; nil uses math/rand/v2's global
	// source. Tests pass a seeded one.
	Rand *rand.Rand
}

// DefaultPickOptions are nova's defaults: no randomness.
func DefaultPickOptions() PickOptions {
	return PickOptions{HostSubsetSize: 1}
}

// Validate rejects a host_subset_size below 1, which nova's option forbids.
func (o PickOptions) Validate() error {
	if o.HostSubsetSize < 1 {
		return fmt.Errorf("host_subset_size %d must be at least 1", o.HostSubsetSize)
	}
	return nil
}

// Pick orders weighed hosts (best first, from Weigh) for trying, as nova's
// FilterScheduler._get_sorted_hosts: the chosen host first, then the others
// by weight, which serve as alternates if the chosen one fails. With
// default options the order is Weigh's. A HostSubsetSize below 1 is taken
// as 1. The input is not modified.
func Pick(weighed []WeighedHost, o PickOptions) []WeighedHost {
	out := append([]WeighedHost(nil), weighed...)
	if len(out) < 2 {
		return out
	}
	if o.ShuffleBestSameWeighedHosts {
		best := 1
		for best < len(out) && out[best].Weight == out[0].Weight {
			best++
		}
		shuffle(o.Rand, out[:best])
	}
	n := min(max(o.HostSubsetSize, 1), len(out))
	if n > 1 {
		i := intN(o.Rand, n)
		chosen := out[i]
		copy(out[1:i+1], out[:i])
		out[0] = chosen
	}
	return out
}

func intN(r *rand.Rand, n int) int {
	if r == nil {
		return rand.IntN(n)
	}
	return r.IntN(n)
}

func shuffle(r *rand.Rand, s []WeighedHost) {
	swap := func(i, j int) { s[i], s[j] = s[j], s[i] }
	if r == nil {
		rand.Shuffle(len(s), swap)
		return
	}
	r.Shuffle(len(s), swap)
}
