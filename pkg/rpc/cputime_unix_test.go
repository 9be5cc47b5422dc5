//go:build unix

package rpc

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used, user and system. On a
// shared machine it says more about the cost of a phase than wall time,
// which also counts the time other processes held the CPUs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
