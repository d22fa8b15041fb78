package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// report prints one scenario's throughput and latency percentiles.
func report(out io.Writer, r result) error {
	secs := r.elapsed.Seconds()
	fmt.Fprintf(out, "\n%s\n", r.name)
	fmt.Fprintf(out, "  %d in %.2f s = %.0f %s (target %s)\n", r.units, secs, float64(r.units)/secs, r.unit, r.target)
	if len(r.latencies) > 0 {
		l := slices.Clone(r.latencies)
		slices.Sort(l)
		fmt.Fprintf(out, "  latency per %s: p50 %s  p90 %s  p99 %s  max %s\n", latencyUnit(r.unit),
			ms(pct(l, 50)), ms(pct(l, 90)), ms(pct(l, 99)), ms(l[len(l)-1]))
	}
	if r.errors > 0 {
		fmt.Fprintf(out, "  ERRORS: %d (first: %s)\n", r.errors, r.firstErr)
		return fmt.Errorf("%s: %d requests failed", r.name, r.errors)
	}
	return nil
}

func latencyUnit(unit string) string {
	switch unit {
	case "users/s":
		return "user (GET+POST)"
	case "hosts/s":
		return "page"
	}
	return "request"
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	if i > 0 {
		i--
	}
	return sorted[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
