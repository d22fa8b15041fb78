package scimserver

import (
	"log"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// handshakeLogEvery is how often, at most, a failed TLS handshake is
// logged; tests shorten it.
var handshakeLogEvery = 10 * time.Second

// handshakeErrorPrefix starts net/http's line for a failed TLS handshake.
// net/http reports it only as a line of text to its ErrorLog, so the text
// is all there is to tell it by.
const handshakeErrorPrefix = "http: TLS handshake error"

// serverLog is an http.Server's ErrorLog. Its lines go to log as warnings,
// but failed TLS handshakes, which any stranger causes at any rate (a port
// scan, a client that does not trust the certificate, a flood), are logged
// at most once every handshakeLogEvery: a line that follows left-out ones
// says how many (left_out), so none goes uncounted but the last few.
type serverLog struct {
	log *slog.Logger

	mu      sync.Mutex
	last    time.Time // when a failed handshake was last logged
	leftOut int       // failed handshakes since, not logged
	every   time.Duration
}

func newServerLog(l *slog.Logger) *log.Logger {
	return log.New(&serverLog{log: l, every: handshakeLogEvery}, "", 0)
}

func (s *serverLog) Write(p []byte) (int, error) {
	msg := strings.TrimSuffix(string(p), "\n")
	if !strings.HasPrefix(msg, handshakeErrorPrefix) {
		s.log.Warn(msg)
		return len(p), nil
	}
	now := time.Now()
	s.mu.Lock()
	if !s.last.IsZero() && now.Sub(s.last) < s.every {
		s.leftOut++
		s.mu.Unlock()
		return len(p), nil
	}
	leftOut := s.leftOut
	s.last, s.leftOut = now, 0
	s.mu.Unlock()
	if leftOut > 0 {
		s.log.Warn(msg, "left_out", leftOut)
	} else {
		s.log.Warn(msg)
	}
	return len(p), nil
}
