package logsink

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer records what reaches the output and how many writes did.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) snapshot() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String(), l.writes
}

func TestLinesAreBatchedAndKeptWholeInOrder(t *testing.T) {
	out := &lockedBuffer{}
	w := New(out, 256, time.Hour)
	var want strings.Builder
	for i := range 100 {
		line := fmt.Sprintf("line %03d %s\n", i, strings.Repeat("x", i%40))
		want.WriteString(line)
		if _, err := w.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, writes := out.snapshot()
	if got != want.String() {
		t.Fatalf("output differs from the lines written")
	}
	if writes >= 100 || writes < 2 {
		t.Fatalf("%d writes reached the output for 100 lines, want them batched", writes)
	}
	// Every write to the output ends at a line boundary.
	out2 := &splitCheck{t: t}
	w2 := New(out2, 64, time.Hour)
	for i := range 50 {
		fmt.Fprintf(w2, "%d %s\n", i, strings.Repeat("y", i))
	}
	w2.Close()
}

type splitCheck struct{ t *testing.T }

func (s *splitCheck) Write(p []byte) (int, error) {
	if len(p) == 0 || p[len(p)-1] != '\n' {
		s.t.Errorf("a write to the output ends mid-line: %q", p)
	}
	return len(p), nil
}

func TestPeriodicFlush(t *testing.T) {
	out := &lockedBuffer{}
	w := New(out, 4096, 10*time.Millisecond)
	defer w.Close()
	fmt.Fprintln(w, "hello")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got, _ := out.snapshot(); got == "hello\n" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the buffered line was not flushed by the timer")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWritesAfterCloseGoStraightThrough(t *testing.T) {
	out := &lockedBuffer{}
	w := New(out, 4096, time.Hour)
	fmt.Fprintln(w, "before")
	w.Close()
	fmt.Fprintln(w, "after")
	if got, _ := out.snapshot(); got != "before\nafter\n" {
		t.Fatalf("got %q", got)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestWarningsAreFlushedAtOnce(t *testing.T) {
	out := &lockedBuffer{}
	w := New(out, 4096, time.Hour)
	defer w.Close()
	log := slog.New(WithFlushAt(slog.NewJSONHandler(w, nil), w, slog.LevelWarn)).With("component", "test")
	log.Info("routine")
	if got, _ := out.snapshot(); got != "" {
		t.Fatalf("an info line reached the output before a flush: %q", got)
	}
	log.WithGroup("g").Warn("attention", "k", "v")
	got, _ := out.snapshot()
	if !strings.Contains(got, `"msg":"routine"`) || !strings.Contains(got, `"msg":"attention"`) ||
		!strings.Contains(got, `"g":{"k":"v"}`) || !strings.Contains(got, `"component":"test"`) {
		t.Fatalf("after a warning the output is %q", got)
	}
}

func TestConcurrentWritersLoseNothing(t *testing.T) {
	out := &lockedBuffer{}
	w := New(out, 512, time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				fmt.Fprintf(w, "g%d i%d\n", g, i)
			}
		})
	}
	wg.Wait()
	w.Close()
	got, _ := out.snapshot()
	if n := strings.Count(got, "\n"); n != 8*500 {
		t.Fatalf("%d lines reached the output, want %d", n, 8*500)
	}
}
