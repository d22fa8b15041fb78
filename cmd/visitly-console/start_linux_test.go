package main

import (
	"testing"
	"time"
)

func TestProcessStarted(t *testing.T) {
	started, ok := processStarted()
	if !ok {
		t.Fatal("no start time from /proc")
	}
	// The test binary started before this test and, surely, within the last ten minutes; the kernel
	// counts in 10 ms ticks.
	if age := time.Since(started); age < -20*time.Millisecond || age > 10*time.Minute {
		t.Errorf("process started %v ago", age)
	}
	if processStart.After(time.Now()) {
		t.Errorf("processStart %v is in the future", processStart)
	}
}
