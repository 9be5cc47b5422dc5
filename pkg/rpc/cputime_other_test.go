//go:build !unix

package rpc

import "time"

// processCPU is not measured here: the cpu ratio reads 0.
func processCPU() time.Duration { return 0 }
