package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// requestTimeout bounds one token request.
const requestTimeout = 30 * time.Second

// errorKey classifies a failed request: the HTTP status and the body's
// OAuth error code, or status 0 and the transport error.
type errorKey struct {
	Status int
	Code   string
}

// workerStats is what one worker observed.
type workerStats struct {
	latencies  []time.Duration
	ok         int
	unreadable int
	jtis       []string
	errs       map[errorKey]int
}

// driver sends token requests, one keep-alive connection per worker.
type driver struct {
	tokenURL      string
	authorization string
	maker         *requestMaker
	inline        atomic.Int64
}

// newDriver returns a driver for the token endpoint at tokenURL.
func newDriver(tokenURL, authorization string, maker *requestMaker) *driver {
	return &driver{tokenURL: tokenURL, authorization: authorization, maker: maker}
}

// run starts concurrency workers that take bodies from p until the deadline
// (or, with signInline false, until p is exhausted) and returns what they
// saw and the wall time from start until the last response.
func (d *driver) run(ctx context.Context, p *pool, concurrency int, until time.Time, signInline bool) ([]*workerStats, time.Duration, error) {
	conns := make([]*wireConn, concurrency)
	for i := range conns {
		var err error
		if conns[i], err = newWireConn(d.tokenURL, d.authorization); err != nil {
			return nil, 0, err
		}
	}
	out := make([]*workerStats, concurrency)
	expect := len(p.bodies)/concurrency + 16
	var wg sync.WaitGroup
	start := time.Now()
	for i := range out {
		wg.Go(func() {
			defer conns[i].close()
			out[i] = d.worker(ctx, conns[i], p, until, signInline, expect)
		})
	}
	wg.Wait()
	return out, time.Since(start), nil
}

// worker sends requests one after the other.
func (d *driver) worker(ctx context.Context, c *wireConn, p *pool, until time.Time, signInline bool, expect int) *workerStats {
	s := &workerStats{errs: map[errorKey]int{}, latencies: make([]time.Duration, 0, expect), jtis: make([]string, 0, expect)}
	var buf bytes.Buffer
	for ctx.Err() == nil && time.Now().Before(until) {
		body, ok := p.take()
		if !ok {
			if !signInline {
				break
			}
			var err error
			if body, err = d.maker.body(); err != nil {
				s.errs[errorKey{Code: "bench: sign: " + err.Error()}]++
				break
			}
			d.inline.Add(1)
		}
		d.send(c, body, &buf, s)
	}
	return s
}

// send performs one token request and records its outcome.
func (d *driver) send(c *wireConn, body []byte, buf *bytes.Buffer, s *workerStats) {
	start := time.Now()
	status, err := c.post(body, buf)
	if err != nil {
		s.errs[errorKey{Code: "transport: " + rootCause(err).Error()}]++
		return
	}
	s.latencies = append(s.latencies, time.Since(start))
	if status != http.StatusOK {
		s.errs[errorKey{Status: status, Code: errorCode(buf.Bytes())}]++
		return
	}
	s.ok++
	if jti := tokenJTI(buf.Bytes()); jti != "" {
		s.jtis = append(s.jtis, jti)
	} else {
		s.unreadable++
	}
}

// rootCause is the innermost wrapped error (a syscall error rather than a
// message with this connection's port numbers).
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// errorCode reads the error member of an RFC 6749 §5.2 error body.
func errorCode(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		return "(no error code)"
	}
	return e.Error
}

// merged is the union of the workers' observations.
type merged struct {
	latencies  []time.Duration
	requests   int
	ok         int
	unreadable int
	jtis       []string
	errs       map[errorKey]int
}

// merge combines worker stats and sorts the latencies.
func merge(stats []*workerStats) merged {
	m := merged{errs: map[errorKey]int{}}
	for _, s := range stats {
		m.latencies = append(m.latencies, s.latencies...)
		m.ok += s.ok
		m.unreadable += s.unreadable
		m.jtis = append(m.jtis, s.jtis...)
		for k, n := range s.errs {
			m.errs[k] += n
			m.requests += n
		}
		m.requests += s.ok
	}
	slices.Sort(m.latencies)
	return m
}

// percentile returns the p-quantile (0 < p ≤ 1) of sorted latencies by the
// nearest-rank method.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
