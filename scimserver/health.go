package scimserver

import (
	"context"
	"net/http"
	"time"
)

// Health endpoints for load balancers and service managers. They need no
// credential and say one word: a prober has no use for details, and an
// unauthenticated caller should learn nothing about the directory.

// readyTimeout is how long /readyz waits for the store: less than the few
// seconds a load balancer gives a probe, so that it hears 503, not silence.
const readyTimeout = 2 * time.Second

// serveHealth answers /healthz: the process is up and serving HTTP.
func serveHealth(w http.ResponseWriter) {
	writeWord(w, http.StatusOK, "ok")
}

// serveReady answers /readyz: the database takes writes and its schema is
// this version's. The cause of a 503 goes to the log, not to the caller.
func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.st.Ready(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		writeWord(w, http.StatusServiceUnavailable, "unavailable")
		return
	}
	writeWord(w, http.StatusOK, "ready")
}

func writeWord(w http.ResponseWriter, status int, word string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(word + "\n"))
}
