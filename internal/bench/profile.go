package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

// profileServer fetches a CPU profile of the server covering the measured
// window from the admin listener's /debug/pprof/profile and writes it to
// path. It returns a function that waits for the profile and reports how
// it went.
func (r *runner) profileServer(ctx context.Context, path string) func() error {
	if path == "" {
		return func() error { return nil }
	}
	secs := max(1, int(r.o.Duration/time.Second))
	done := make(chan error, 1)
	go func() { done <- r.fetchProfile(ctx, path, secs) }()
	return func() error { return <-done }
}

func (r *runner) fetchProfile(ctx context.Context, path string, secs int) error {
	u := r.t.admin + "/debug/pprof/profile?seconds=" + strconv.Itoa(secs)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("bench: profile: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+r.t.token)
	resp, err := (&http.Client{Timeout: time.Duration(secs)*time.Second + time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("bench: profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: profile: the server answered %d", resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: profile: %w", err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("bench: profile: %w", err)
	}
	return f.Close()
}
