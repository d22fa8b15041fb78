package main

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// One console per data folder. The first holds an OS lock on <data>/console.lock for as long as it
// runs (released by the OS if it dies) and listens on loopback for a "show" message; the port and a
// random token are in <data>/console.instance, readable by this user only. A second start fails to
// take the lock, sends the token to that port, and the first brings its window to the front.

// errAlreadyOpen: another console has this data folder and could not be asked to show itself.
var errAlreadyOpen = errors.New("the console is already open for this data folder")

// showWait is how long a second start keeps asking: the first may still be starting.
var showWait = 3 * time.Second

// instanceInfo is console.instance.
type instanceInfo struct {
	Port  int    `json:"port"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// instance is the running console's claim on its data folder.
type instance struct {
	lock  *os.File
	ln    net.Listener
	token string
	info  string // console.instance's path

	// unguarded says why no lock could be taken; nil when this console holds the folder.
	unguarded error

	mu     sync.Mutex
	onShow func() // called (from the listener's goroutine) when a second start asks
	early  bool   // a show came before onShow was set
}

func lockPath(dir string) string     { return filepath.Join(dir, "console.lock") }
func instancePath(dir string) string { return filepath.Join(dir, "console.instance") }

// claimInstance takes the data folder for this process. When another console has it, it asks
// that one to show its window: shown reports that it did (the caller exits quietly); otherwise
// the error is errAlreadyOpen.
func claimInstance(dir string) (inst *instance, shown bool, err error) {
	f, err := os.OpenFile(lockPath(dir), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("open %s: %w", lockPath(dir), err)
	}
	inst = &instance{lock: f, info: instancePath(dir)}
	if err := lockFile(f); err != nil {
		if !errors.Is(err, errLocked) {
			// A file system without locks (some network shares): run, unguarded, rather than not at all.
			inst.unguarded = fmt.Errorf("lock %s: %w", lockPath(dir), err)
		} else {
			f.Close()
			if askToShow(dir, showWait) == nil {
				return nil, true, nil
			}
			return nil, false, fmt.Errorf("%w (%s)", errAlreadyOpen, dir)
		}
	}
	if err := inst.listen(); err != nil {
		inst.close()
		return nil, false, err
	}
	return inst, false, nil
}

func (in *instance) listen() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for a second start: %w", err)
	}
	in.ln = ln
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	in.token = hex.EncodeToString(b)
	data, err := json.Marshal(instanceInfo{Port: ln.Addr().(*net.TCPAddr).Port, Token: in.token, PID: os.Getpid()})
	if err != nil {
		return err
	}
	tmp := in.info + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", in.info, err)
	}
	if err := os.Rename(tmp, in.info); err != nil {
		return fmt.Errorf("write %s: %w", in.info, err)
	}
	go in.serve()
	return nil
}

// maxShowConns is how many connections the show listener answers at once.
// Each holds a file descriptor of the process that also runs the embedded
// service; a second start is one connection, and asks again (every 100 ms,
// for showWait) if it is turned away.
const maxShowConns = 4

// serve answers "show" messages until the listener closes. A failed accept
// (out of file descriptors, a connection reset before it was taken) is
// tried again after a pause that doubles up to a second, as net/http does:
// returning would leave every later start saying "already open".
func (in *instance) serve() {
	busy := make(chan struct{}, maxShowConns)
	var pause time.Duration
	for {
		c, err := in.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			time.Sleep(pause)
			continue
		}
		pause = 0
		select {
		case busy <- struct{}{}:
			go func() {
				defer func() { <-busy }()
				in.answer(c)
			}()
		default:
			c.Close()
		}
	}
}

func (in *instance) answer(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(c, 256)).ReadString('\n')
	if err != nil {
		return
	}
	tok, ok := strings.CutPrefix(strings.TrimSpace(line), "show ")
	if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(in.token)) != 1 {
		return // not our console: say nothing
	}
	in.mu.Lock()
	f := in.onShow
	if f == nil {
		in.early = true
	}
	in.mu.Unlock()
	if f != nil {
		f()
	}
	fmt.Fprintln(c, "ok")
}

// OnShow sets what a second start does: bring the window to the front. A request that came
// before is run now.
func (in *instance) OnShow(f func()) {
	in.mu.Lock()
	in.onShow = f
	early := in.early
	in.early = false
	in.mu.Unlock()
	if early {
		f()
	}
}

// close gives the data folder up.
func (in *instance) close() {
	if in.ln != nil {
		in.ln.Close()
		os.Remove(in.info)
	}
	if in.unguarded == nil {
		unlockFile(in.lock)
	}
	in.lock.Close()
}

// askToShow sends the running console the show message, retrying for up to wait while it starts.
func askToShow(dir string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := sendShow(dir)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func sendShow(dir string) error {
	data, err := os.ReadFile(instancePath(dir))
	if err != nil {
		return err
	}
	var info instanceInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return err
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", fmt.Sprint(info.Port)), time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintf(c, "show %s\n", info.Token); err != nil {
		return err
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(reply) != "ok" {
		return fmt.Errorf("unexpected answer %q", reply)
	}
	return nil
}
