// Package logsink buffers the server's structured log (DESIGN.md §8). Under
// load the server writes one access-log line per request; written straight
// to stderr that is one write system call per request, a measurable share
// of a grant's cost. A Writer collects lines in memory and writes them out
// when its buffer fills, every flush interval, on Flush and on Close;
// WithFlushAt makes warnings and errors reach the output at once.
//
// At most one interval of info and debug lines can be lost if the process
// is killed; nothing that matters for security lives only in the log (the
// audit trail is written to the store, in the grant's transaction).
package logsink

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Writer is a buffered, periodically flushed io.Writer, safe for
// concurrent use. A single Write is never split across two flushes.
type Writer struct {
	mu     sync.Mutex
	out    io.Writer
	buf    *bufio.Writer
	closed bool

	quit chan struct{}
	done chan struct{}
}

// New buffers up to size bytes for out and flushes them at least every
// interval until Close.
func New(out io.Writer, size int, every time.Duration) *Writer {
	w := &Writer{out: out, buf: bufio.NewWriterSize(out, size), quit: make(chan struct{}), done: make(chan struct{})}
	go w.run(every)
	return w
}

func (w *Writer) run(every time.Duration) {
	defer close(w.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-w.quit:
			return
		case <-t.C:
			_ = w.Flush()
		}
	}
}

// Write buffers p. A line longer than the free space first flushes what is
// buffered, so lines are written whole and in order. After Close, lines go
// straight to the output.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if (w.closed || len(p) > w.buf.Available()) && w.buf.Buffered() > 0 {
		if err := w.buf.Flush(); err != nil {
			return 0, err
		}
	}
	if w.closed {
		return w.out.Write(p)
	}
	return w.buf.Write(p)
}

// Flush writes out whatever is buffered.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Flush()
}

// Close stops the periodic flush and writes out the buffer; later writes
// are not buffered. It is safe to call more than once.
func (w *Writer) Close() error {
	w.mu.Lock()
	already := w.closed
	w.closed = true
	w.mu.Unlock()
	if already {
		return nil
	}
	close(w.quit)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Flush()
}

// WithFlushAt wraps h so that a record at level or above is flushed to the
// output as soon as h has written it.
func WithFlushAt(h slog.Handler, w *Writer, level slog.Leveler) slog.Handler {
	return &flushHandler{Handler: h, w: w, level: level}
}

type flushHandler struct {
	slog.Handler
	w     *Writer
	level slog.Leveler
}

func (h *flushHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= h.level.Level() {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h *flushHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &flushHandler{Handler: h.Handler.WithAttrs(attrs), w: h.w, level: h.level}
}

func (h *flushHandler) WithGroup(name string) slog.Handler {
	return &flushHandler{Handler: h.Handler.WithGroup(name), w: h.w, level: h.level}
}
