//go:build unix

package hostdb

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used (user + system), for the
// cpu-ns/op benchmark metric: on a shared machine wall time says more about
// the neighbours than about the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
