//go:build !unix

package mirror

import "time"

// cpuTime is not measured on this OS; the benchmarks report 0.
func cpuTime() time.Duration { return 0 }
