package server

import (
	"fmt"
	"io"
	"net/http"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"time"
)

// maxProfileSeconds bounds a CPU profile or trace request.
const maxProfileSeconds = 60

// profiling serves the runtime's profiles in the format `go tool pprof`
// reads, for performance work on a running server (DESIGN.md §8). It is
// mounted on the admin listener behind the admin token:
//
//	GET /debug/pprof/profile?seconds=N   CPU profile (default 10 s)
//	GET /debug/pprof/trace?seconds=N     execution trace (default 1 s)
//	GET /debug/pprof/{name}?debug=N      heap, allocs, goroutine, block, mutex, threadcreate
//
// It is built on runtime/pprof rather than net/http/pprof, whose import
// registers handlers on http.DefaultServeMux.
func profiling() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/profile", func(w http.ResponseWriter, r *http.Request) {
		timed(w, r, 10, pprof.StartCPUProfile, pprof.StopCPUProfile)
	})
	mux.HandleFunc("GET /debug/pprof/trace", func(w http.ResponseWriter, r *http.Request) {
		timed(w, r, 1, trace.Start, trace.Stop)
	})
	mux.HandleFunc("GET /debug/pprof/{name}", func(w http.ResponseWriter, r *http.Request) {
		p := pprof.Lookup(r.PathValue("name"))
		if p == nil {
			http.Error(w, "unknown profile", http.StatusNotFound)
			return
		}
		debug, _ := strconv.Atoi(r.URL.Query().Get("debug"))
		setProfileHeaders(w, debug, p.Name())
		_ = p.WriteTo(w, debug)
	})
	return mux
}

// timed runs a profile that covers a span of time: start, wait for the
// requested seconds (or the client to leave), stop. The write deadline is
// extended past the listener's write time-out for the duration.
func timed(w http.ResponseWriter, r *http.Request, def int, start func(w io.Writer) error, stop func()) {
	secs := def
	if v := r.URL.Query().Get("seconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxProfileSeconds {
			http.Error(w, fmt.Sprintf("seconds must be between 1 and %d", maxProfileSeconds), http.StatusBadRequest)
			return
		}
		secs = n
	}
	d := time.Duration(secs) * time.Second
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d + 10*time.Second))
	setProfileHeaders(w, 0, "profile")
	if err := start(w); err != nil {
		w.Header().Del("Content-Disposition")
		http.Error(w, "a profile is already running: "+err.Error(), http.StatusConflict)
		return
	}
	select {
	case <-time.After(d):
	case <-r.Context().Done():
	}
	stop()
}

func setProfileHeaders(w http.ResponseWriter, debug int, name string) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if debug != 0 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
}
