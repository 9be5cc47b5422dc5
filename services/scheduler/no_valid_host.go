package scheduler

import (
	"fmt"
	"strings"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/services/scheduler/filters"
)

// maxListed bounds the claim failures and skipped nodes a NoValidHost
// reason lists one by one; the counts are always complete.
const maxListed = 5

// noValidHost builds the NoValidHost of a request that placed placed of
// wanted instances. Its reason starts with nova's sentence and goes on
// with what an operator needs to see which constraint ran out: the filter
// results (hosts in and out of each filter) for the instance that could
// not be placed, the hosts whose claims placement refused, and the nodes
// that were not considered at all.
func noValidHost(placed, wanted int, report filters.FilterReport, claimFailures []error, skipped []SkippedNode) *exception.NoValidHost {
	var b strings.Builder
	b.WriteString(filters.NotEnoughHostsReason)
	if wanted > 1 {
		fmt.Fprintf(&b, " Placed %d of %d instances.", placed, wanted)
	}
	if report.Start == 0 {
		b.WriteString(" No compute node can be scheduled to.")
	} else {
		b.WriteString(" " + report.String() + ".")
	}
	if n := len(claimFailures); n > 0 {
		fmt.Fprintf(&b, " Placement refused the claim on all %d hosts that passed:", n)
		for i, err := range claimFailures[:min(n, maxListed)] {
			if i > 0 {
				b.WriteString(";")
			}
			b.WriteString(" " + err.Error())
		}
		if n > maxListed {
			fmt.Fprintf(&b, "; and %d more", n-maxListed)
		}
		b.WriteString(".")
	}
	if n := len(skipped); n > 0 {
		fmt.Fprintf(&b, " %d compute nodes were not considered:", n)
		for i, s := range skipped[:min(n, maxListed)] {
			if i > 0 {
				b.WriteString(";")
			}
			fmt.Fprintf(&b, " %s: %s", s.Node, s.Reason)
		}
		if n > maxListed {
			fmt.Fprintf(&b, "; and %d more", n-maxListed)
		}
		b.WriteString(".")
	}
	return &exception.NoValidHost{Reason: b.String()}
}
