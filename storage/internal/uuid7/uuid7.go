// Package uuid7 makes the time-ordered ids every store gives hosts and
// groups, so that SQLite's and PostgreSQL's ids are made by one function.
package uuid7

import (
	"crypto/rand"
	"fmt"
	"time"
)

// New returns a version 7 UUID (RFC 9562): 48 bits of Unix milliseconds,
// then 74 random bits. New ids land at the end of an id index instead of on
// a random page each, which is fewer pages written per created row.
func New() string {
	var b [16]byte
	rand.Read(b[6:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	ms := uint64(time.Now().UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
