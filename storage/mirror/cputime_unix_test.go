//go:build unix

package mirror

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process used so far (user + system), which
// says more than wall time on a busy shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
