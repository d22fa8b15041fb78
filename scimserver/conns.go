package scimserver

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// ConnLimits bound the connections one listener serves. Zero fields take
// the defaults.
type ConnLimits struct {
	// Max is how many connections are open at once
	// (DefaultMaxConnections).
	Max int
	// PerAddress is how many of them one client address may hold
	// (DefaultMaxConnectionsPerAddress). An IPv6 client counts by its /64,
	// since one host usually has the whole prefix to pick from.
	PerAddress int
}

// Listen listens on addr (TCP) and serves within lim (see LimitListener). A
// busy port gives an error IsAddressInUse recognises.
func Listen(addr string, lim ConnLimits) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return LimitListener(ln, lim), nil
}

// LimitListener returns ln holding at most lim.Max connections, and at
// most lim.PerAddress from one client address, so that clients that
// connect and say nothing cannot lock others out, nor make the service
// hold unbounded memory. Serve it with a server from NewHTTPServer, which
// tells it which connections wait for a request.
//
// A client past its address's share has one of that address's connections
// closed to make room, the longest-idle first (a reverse proxy's pool),
// then the oldest without a request yet; when all of them are busy with a
// request, it is refused. At the overall cap, the longest-idle kept-alive connection is closed
// first, then the oldest one that has sent no complete request yet, taken
// from the address that holds the most; only when every connection is busy
// with a request does a new client wait in the accept backlog.
func LimitListener(ln net.Listener, lim ConnLimits) net.Listener {
	if lim.Max <= 0 {
		lim.Max = DefaultMaxConnections
	}
	if lim.PerAddress <= 0 {
		lim.PerAddress = DefaultMaxConnectionsPerAddress
	}
	return &limitListener{Listener: ln, lim: lim, conns: make(map[*trackedConn]struct{}),
		perAddr: make(map[netip.Prefix]int), wake: make(chan struct{}, 1), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	lim       ConnLimits
	done      chan struct{}
	closeOnce sync.Once
	// wake has a token when a slot frees or a connection becomes one that
	// may be closed to make room.
	wake chan struct{}

	mu      sync.Mutex
	conns   map[*trackedConn]struct{}
	perAddr map[netip.Prefix]int
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc, err := l.admit(c)
		if tc != nil || err != nil {
			return tc, err
		}
	}
}

// admit makes room for c and tracks it; nil, nil when c is refused.
func (l *limitListener) admit(c net.Conn) (*trackedConn, error) {
	key := addrKey(c.RemoteAddr())
	var victims []*trackedConn
	defer func() {
		for _, v := range victims {
			v.Conn.Close()
		}
	}()
	l.mu.Lock()
	for {
		if l.perAddr[key] >= l.lim.PerAddress {
			v := l.victimLocked(key, true)
			if v == nil {
				l.mu.Unlock()
				c.Close()
				return nil, nil
			}
			l.dropLocked(v)
			victims = append(victims, v)
			continue
		}
		if len(l.conns) < l.lim.Max {
			break
		}
		if v := l.victimLocked(key, false); v != nil {
			l.dropLocked(v)
			victims = append(victims, v)
			continue
		}
		l.mu.Unlock()
		select {
		case <-l.wake:
		case <-l.done:
			c.Close()
			return nil, net.ErrClosed
		}
		l.mu.Lock()
	}
	now := time.Now()
	tc := &trackedConn{Conn: c, l: l, key: key, state: http.StateNew, since: now, firstByteBy: now.Add(firstByteTimeout)}
	l.conns[tc] = struct{}{}
	l.perAddr[key]++
	l.mu.Unlock()
	// Until the server sets its own: a client that connects and says
	// nothing is closed even before the server first reads.
	tc.Conn.SetReadDeadline(tc.firstByteBy)
	return tc, nil
}

// Ranks of connections that may be closed to make room, most expendable
// first; a connection serving a request has none.
const (
	rankLingering = iota // answered and closed; waiting for the client to stop sending
	rankIdle             // kept alive, nothing received since the last answer
	rankNoRequest        // no complete request yet: new, in its TLS handshake, or sending headers
	rankBusy
)

// victimLocked picks the connection to close to make room, among key's
// own connections (own) or among all: the most expendable by rank, and
// within a rank the longest in its state; but among connections without a
// request, picked from all, one from the address that holds the most goes
// first, so that one client's flood pushes out its own connections rather
// than another client's new one.
func (l *limitListener) victimLocked(key netip.Prefix, own bool) *trackedConn {
	var best *trackedConn
	bestRank := rankBusy
	for c := range l.conns {
		if own && c.key != key {
			continue
		}
		r := c.rankLocked()
		switch {
		case r == rankBusy || r > bestRank:
			continue
		case best == nil || r < bestRank:
		case r == rankNoRequest && !own && l.perAddr[c.key] != l.perAddr[best.key]:
			if l.perAddr[c.key] < l.perAddr[best.key] {
				continue
			}
		case !c.since.Before(best.since):
			continue
		}
		best, bestRank = c, r
	}
	return best
}

// dropLocked stops counting c; its slot is free.
func (l *limitListener) dropLocked(c *trackedConn) {
	if c.dropped {
		return
	}
	c.dropped = true
	delete(l.conns, c)
	if l.perAddr[c.key]--; l.perAddr[c.key] <= 0 {
		delete(l.perAddr, c.key)
	}
	l.signal()
}

// signal wakes an Accept waiting for room.
func (l *limitListener) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// addrKey is the client address a connection counts against.
func addrKey(a net.Addr) netip.Prefix {
	t, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.Prefix{} // not TCP: all such count as one
	}
	ip := t.AddrPort().Addr().Unmap().WithZone("")
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// trackedConn is a connection a limitListener counts. It knows what the
// server is doing with it (setState, from NewHTTPServer's ConnState hook)
// and whether the client has sent anything.
type trackedConn struct {
	net.Conn
	l   *limitListener
	key netip.Prefix
	// firstByteBy is when a client that has sent nothing is closed.
	firstByteBy time.Time

	// spoke is set once the client has sent a byte; heard once it has
	// sent one since the connection last became idle.
	spoke, heard atomic.Bool
	// wantRead is the read deadline the server asked for, which the
	// first-byte deadline may have cut short; put back at the first byte.
	deadlineMu sync.Mutex
	wantRead   time.Time

	// Under l.mu:
	state     http.ConnState // as the server last reported it
	since     time.Time      // when state last changed
	lingering bool
	dropped   bool // no longer counted

	closeOnce sync.Once
}

func (c *trackedConn) rankLocked() int {
	switch {
	case c.lingering:
		return rankLingering
	case c.state == http.StateIdle && !c.heard.Load():
		return rankIdle
	case c.state == http.StateNew, c.state == http.StateIdle:
		return rankNoRequest
	}
	return rankBusy
}

func (c *trackedConn) setState(st http.ConnState) {
	if st == http.StateIdle {
		c.heard.Store(false)
	}
	c.l.mu.Lock()
	c.state, c.since = st, time.Now()
	c.l.mu.Unlock()
	if st == http.StateIdle {
		c.l.signal()
	}
}

func (c *trackedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		if !c.heard.Load() {
			c.heard.Store(true)
		}
		if !c.spoke.Load() {
			c.deadlineMu.Lock()
			c.spoke.Store(true)
			c.Conn.SetReadDeadline(c.wantRead)
			c.deadlineMu.Unlock()
		}
	}
	return n, err
}

// SetReadDeadline is the server's deadline, but no later than the first
// byte's while the client has sent nothing.
func (c *trackedConn) SetReadDeadline(t time.Time) error {
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	if !c.spoke.Load() {
		c.wantRead = t
		if t.IsZero() || t.After(c.firstByteBy) {
			t = c.firstByteBy
		}
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *trackedConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

// CloseWrite sends the client a FIN. net/http calls it when it answers a
// request it will not read to the end (headers past the cap, a body past
// its limit), before it closes.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Close closes the connection and frees its slot. A client that has sent
// something may still be sending (a request past a limit, answered early):
// closing a socket with unread data resets the connection, and the reset
// can destroy the answer before the client reads it. So the rest is read
// and discarded, up to LingerBytes and LingerTimeout, in the background,
// before the socket closes; meanwhile the connection keeps its slot, first
// in line to be closed for room.
func (c *trackedConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.l.mu.Lock()
		if c.dropped || !c.spoke.Load() {
			c.l.dropLocked(c)
			c.l.mu.Unlock()
			err = c.Conn.Close()
			return
		}
		c.lingering = true
		c.l.mu.Unlock()
		c.l.signal()
		go c.linger()
	})
	return err
}

func (c *trackedConn) linger() {
	c.CloseWrite()
	c.Conn.SetReadDeadline(time.Now().Add(LingerTimeout))
	io.CopyN(io.Discard, c.Conn, LingerBytes)
	c.Conn.Close()
	c.l.mu.Lock()
	c.l.dropLocked(c)
	c.l.mu.Unlock()
}

// trackState is NewHTTPServer's ConnState hook: it tells the limitListener
// under the connection what the server does with it.
func trackState(c net.Conn, st http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if t, ok := c.(*trackedConn); ok {
		t.setState(st)
	}
}
