package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, 100 on every Linux the console runs on.
const clockTicks = 100

// processStarted reads when the kernel started this process (/proc/self/stat field 22, in ticks
// since boot), so the start-up figure includes exec and the Go runtime's own start.
func processStarted() (time.Time, bool) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return time.Time{}, false
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return time.Time{}, false
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 20 {
		return time.Time{}, false
	}
	ticks, err1 := strconv.ParseFloat(f[19], 64) // field 22 overall
	up, err2 := os.ReadFile("/proc/uptime")
	if err1 != nil || err2 != nil {
		return time.Time{}, false
	}
	uptime, err := strconv.ParseFloat(strings.Fields(string(up))[0], 64)
	if err != nil {
		return time.Time{}, false
	}
	age := time.Duration((uptime - ticks/clockTicks) * float64(time.Second))
	return time.Now().Add(-age), true
}
