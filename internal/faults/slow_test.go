//go:build faults

package faults

import (
	"context"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// Shape of the slow-client scenario.
const (
	slowConns = 500
	// slowByteEvery paces each slow client's header bytes.
	slowByteEvery = 100 * time.Millisecond
	// readHeaderTimeout is http.read_header_timeout's default.
	readHeaderTimeout = 5 * time.Second
	// closeSlack is how much later than readHeaderTimeout a slow
	// connection may be closed.
	closeSlack = 3 * time.Second
)

// TestSlowClients_HeadersByteByByte: 500 connections that send their
// request headers one byte every 100 ms do not stop valid grants, and the
// server closes each of them once http.read_header_timeout (default 5 s)
// has passed (DESIGN.md §9; Slowloris).
func TestSlowClients_HeadersByteByByte(t *testing.T) {
	p := startIdP(t)
	s := startServer(t, serverOpts{})
	a := s.register(p, true)
	hc := newClient(validWorkers)
	if r := s.exchange(hc, a, p.mint(jag{})); r.status != 200 {
		t.Fatalf("warm-up grant: %d %s", r.status, r.code)
	}
	ctx := withDeadline(t, readHeaderTimeout+closeSlack+10*time.Second)
	lives := make([]time.Duration, slowConns)
	var wg sync.WaitGroup
	for i := range slowConns {
		c, err := net.Dial("tcp", s.pubAdr)
		if err != nil {
			t.Fatalf("slow connection %d: %v", i, err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); lives[i] = dribble(ctx, c) }()
	}
	opened := time.Now()
	t.Logf("%d slow connections open, each sending a header byte every %s", slowConns, slowByteEvery)

	valid := newTally()
	vctx, stop := context.WithCancel(ctx)
	var vwg sync.WaitGroup
	vwg.Add(1)
	go func() {
		defer vwg.Done()
		drive(vctx, validWorkers, 1_000_000, func(int) { valid.add(s.exchange(hc, a, p.mint(jag{}))) })
	}()
	wg.Wait()
	stop()
	vwg.Wait()
	m := mustMemory(t, s)
	slices.Sort(lives)
	t.Logf("slow connections closed by the server after %s (first) … %s (last); read_header_timeout %s; all closed %s after the last was opened",
		ms(lives[0]), ms(lives[len(lives)-1]), readHeaderTimeout, ms(time.Since(opened)))
	t.Logf("valid grants meanwhile: %s; server %s", valid, m)
	if lives[0] < readHeaderTimeout-time.Second || lives[len(lives)-1] > readHeaderTimeout+closeSlack {
		t.Errorf("slow connections lived %s … %s; want about %s", ms(lives[0]), ms(lives[len(lives)-1]), readHeaderTimeout)
	}
	if valid.total() == 0 || valid.status(200) != valid.total() {
		t.Errorf("valid grants during the slow-client attack: %s", valid)
	}
}

// dribble sends an endless request header on c one byte at a time until
// the server closes the connection (or ctx ends), and returns how long the
// connection lived.
func dribble(ctx context.Context, c net.Conn) time.Duration {
	start := time.Now()
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, c) // returns when the server closes
		close(closed)
	}()
	defer c.Close()
	header := []byte("POST /oauth/token HTTP/1.1\r\nHost: authplane\r\nX-Slow: ")
	for i := 0; ; i++ {
		b := byte('a')
		if i < len(header) {
			b = header[i]
		}
		if _, err := c.Write([]byte{b}); err != nil {
			<-closed
			return time.Since(start)
		}
		select {
		case <-closed:
			return time.Since(start)
		case <-ctx.Done():
			return time.Since(start)
		case <-time.After(slowByteEvery):
		}
	}
}
