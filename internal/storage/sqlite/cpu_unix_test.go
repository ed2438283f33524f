//go:build unix

package sqlite

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) the test process has
// used, so that benchmarks can report a cost that does not depend on how
// busy the machine is.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
