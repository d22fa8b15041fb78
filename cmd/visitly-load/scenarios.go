package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// result is one scenario's measurement.
type result struct {
	name      string
	unit      string // what rate counts: "users/s", "req/s", "hosts/s"
	units     int    // how many units were done
	elapsed   time.Duration
	latencies []time.Duration
	errors    int64
	firstErr  string
	target    string
}

// errStop ends a worker without counting an error.
var errStop = errors.New("stop")

// workers runs fn(worker, i) for i in [0, n) over c.clients goroutines and
// collects latencies of each call.
func workers(c config, n int, fn func(w, i int) (time.Duration, error)) ([]time.Duration, int64, string) {
	var next atomic.Int64
	var errs atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, c.clients)
	var wg sync.WaitGroup
	for w := range c.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				d, err := fn(w, i)
				if err == errStop {
					return
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				lat[w] = append(lat[w], d)
			}
		}()
	}
	wg.Wait()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	fe, _ := firstErr.Load().(string)
	return all, errs.Load(), fe
}

// initialCycle replays an identity provider's initial cycle: per user, a
// filter GET by userName (no match) and then a POST of the full user.
func initialCycle(ctx context.Context, cl *client, c config, p profile) (result, error) {
	start := time.Now()
	lat, errs, fe := workers(c, c.users, func(_, i int) (time.Duration, error) {
		t := time.Now()
		var buf bytes.Buffer
		st, err := cl.do(ctx, "GET", p.filter(userNameOf(c.prefix, i)), "", &buf)
		if err != nil {
			return 0, err
		}
		if st != 200 || !bytes.Contains(buf.Bytes(), []byte(`"totalResults":0`)) {
			return 0, fmt.Errorf("filter GET: status %d %.200s", st, buf.String())
		}
		buf.Reset()
		st, err = cl.do(ctx, "POST", "/Users", p.user(c.prefix, i), &buf)
		if err != nil {
			return 0, err
		}
		if st != 201 {
			return 0, fmt.Errorf("POST: status %d %.200s", st, buf.String())
		}
		return time.Since(t), nil
	})
	return result{name: p.name + " initial cycle (filter GET + POST per user)", unit: "users/s", units: len(lat),
		elapsed: time.Since(start), latencies: lat, errors: errs, firstErr: fe, target: ">= 3000 users/s"}, nil
}

type hostRef struct{ id, userName string }

// paging reads every host in pages of p.pageCount, as a client importing
// everything does.
func paging(ctx context.Context, cl *client, p profile) (result, []hostRef, error) {
	count := p.pageCount
	type page struct {
		body []byte
		lat  time.Duration
		err  error
	}
	// One client walks the pages strictly one request at a time, as a SCIM
	// client does; decoding a page overlaps fetching the next, so the
	// figure is the service's pace, not this tool's JSON decoder's.
	pages := make(chan page, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(pages)
		for idx := 1; ; idx += count {
			t := time.Now()
			var buf bytes.Buffer
			st, err := cl.do(ctx, "GET", fmt.Sprintf("/Users?startIndex=%d&count=%d", idx, count), "", &buf)
			if err == nil && st != 200 {
				err = fmt.Errorf("page at %d: status %d", idx, st)
			}
			select {
			case pages <- page{buf.Bytes(), time.Since(t), err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	start := time.Now()
	var hosts []hostRef
	var lat []time.Duration
	for p := range pages {
		if p.err != nil {
			return result{}, nil, p.err
		}
		lat = append(lat, p.lat)
		var list struct {
			TotalResults int `json:"totalResults"`
			Resources    []struct {
				ID       string `json:"id"`
				UserName string `json:"userName"`
			} `json:"Resources"`
		}
		if err := json.Unmarshal(p.body, &list); err != nil {
			return result{}, nil, err
		}
		for _, r := range list.Resources {
			hosts = append(hosts, hostRef{r.ID, r.UserName})
		}
		if len(list.Resources) < count || len(hosts) >= list.TotalResults {
			break
		}
	}
	return result{name: fmt.Sprintf("%s paging all %d hosts, count=%d", p.name, len(hosts), count), unit: "hosts/s", units: len(hosts),
		elapsed: time.Since(start), latencies: lat, target: p.pageTarget}, hosts, nil
}

// mix runs the profile's steady state over the existing hosts for
// c.duration: every request must answer 200.
func mix(ctx context.Context, cl *client, c config, hosts []hostRef, p profile) (result, error) {
	if len(hosts) == 0 {
		return result{}, fmt.Errorf("mix needs existing hosts; run the initial scenario first")
	}
	deadline := time.Now().Add(c.duration)
	start := time.Now()
	const huge = 1 << 40
	lat, errs, fe := workers(c, huge, func(w, i int) (time.Duration, error) {
		if time.Now().After(deadline) {
			return 0, errStop
		}
		h := hosts[rand.IntN(len(hosts))]
		t := time.Now()
		method, path, body := p.mixOp(i, h)
		st, err := cl.do(ctx, method, path, body, nil)
		if err != nil {
			return 0, err
		}
		if st != 200 {
			return 0, fmt.Errorf("%s: status %d", method, st)
		}
		return time.Since(t), nil
	})
	return result{name: fmt.Sprintf("%s steady mix %s over %d hosts", p.name, p.mixName, len(hosts)), unit: "req/s",
		units: len(lat), elapsed: time.Since(start), latencies: lat, errors: errs, firstErr: fe, target: ">= 6000 req/s, p99 < 20 ms"}, nil
}
