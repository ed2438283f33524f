package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// notifyChannel is the channel the schema's trigger notifies on every
// configuration change; the payload is the schema name.
const notifyChannel = "authplane_changes"

// Reconnect backoff of the LISTEN connection.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// Changes returns a channel that receives a value soon after the generation
// may have changed, on this or any other instance sharing the schema. A
// dedicated connection LISTENs on authplane_changes; if it drops, it is
// re-established with exponential backoff and the channel is signalled once
// (changes may have been missed). As a fallback the generation is also
// re-read every PollInterval. The first LISTEN is in place when Changes
// returns (unless it failed; then it is retried in the background). The
// channel has a buffer of one, so bursts coalesce, and it is closed when ctx
// ends or the store is closed. Each call holds its own connection (outside
// the pool) for as long as ctx lives, so servers subscribe once.
func (s *Store) Changes(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		close(ch)
		return ch
	}
	s.wg.Add(1)
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	signal := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	conn, schema, err := s.connectListener(ctx)
	if err != nil {
		s.log.Warn("postgres: listen for changes failed; retrying", "err", err)
	}
	last, err := s.Generation(ctx)
	if err != nil {
		last = -1
	}
	go func() {
		defer s.wg.Done()
		defer close(ch)
		var workers sync.WaitGroup
		workers.Go(func() { s.listen(ctx, conn, schema, signal) })
		workers.Go(func() { s.pollGeneration(ctx, last, signal) })
		select {
		case <-ctx.Done():
		case <-s.done:
		}
		cancel()
		workers.Wait()
	}()
	return ch
}

// connectListener opens the dedicated LISTEN connection and returns it with
// the schema whose notifications concern this store.
func (s *Store) connectListener(ctx context.Context) (*pgx.Conn, string, error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, "", fmt.Errorf("postgres: listen: connect: %w", err)
	}
	var schema string
	if err := conn.QueryRow(ctx, `SELECT coalesce(current_schema(), '')`).Scan(&schema); err != nil {
		closeConn(conn)
		return nil, "", fmt.Errorf("postgres: listen: current schema: %w", err)
	}
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		closeConn(conn)
		return nil, "", fmt.Errorf("postgres: listen: %w", err)
	}
	return conn, schema, nil
}

// listen waits for notifications on conn until ctx ends, reconnecting with
// backoff whenever the connection fails. conn may be nil (not connected).
func (s *Store) listen(ctx context.Context, conn *pgx.Conn, schema string, signal func()) {
	backoff := minBackoff
	connectedAt := time.Now()
	for {
		if conn == nil {
			if !sleep(ctx, backoff) {
				return
			}
			var err error
			conn, schema, err = s.connectListener(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				backoff = min(2*backoff, maxBackoff)
				s.log.Warn("postgres: listen reconnect failed", "err", err, "retry_in", backoff)
				continue
			}
			connectedAt = time.Now()
			s.log.Info("postgres: listening for changes again")
			signal() // notifications sent while disconnected are lost
		}
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			closeConn(conn)
			conn = nil
			if ctx.Err() != nil {
				return
			}
			// A connection that lived a while resets the backoff; one that
			// keeps failing right away backs off further.
			if time.Since(connectedAt) > maxBackoff {
				backoff = minBackoff
			} else {
				backoff = min(2*backoff, maxBackoff)
			}
			s.log.Warn("postgres: listen connection lost", "err", err, "retry_in", backoff)
			continue
		}
		if n.Payload == schema {
			signal()
		}
	}
}

// pollGeneration signals whenever the generation differs from the last value
// seen, every poll interval, until ctx ends.
func (s *Store) pollGeneration(ctx context.Context, last int64, signal func()) {
	if s.poll < 0 {
		return
	}
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		g, err := s.Generation(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("postgres: poll generation failed", "err", err)
			}
			continue
		}
		if g != last {
			last = g
			signal()
		}
	}
}

// closeConn closes conn with a short, detached deadline.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

// sleep waits for d or until ctx ends; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
