package bench

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Result is the outcome of a run, with the JSON names of --json.
type Result struct {
	Commit      string  `json:"commit"`
	GoVersion   string  `json:"go_version"`
	Machine     Machine `json:"machine"`
	Store       string  `json:"store"`
	ClientAuth  string  `json:"client_auth"`
	IdPAlg      string  `json:"idp_alg"`
	Concurrency int     `json:"concurrency"`
	// Seconds is the measured window: from the first request until the
	// last response.
	Seconds       float64        `json:"seconds"`
	WarmupSeconds float64        `json:"warmup_seconds"`
	Requests      int            `json:"requests"`
	OK            int            `json:"ok"`
	GrantsPerSec  float64        `json:"grants_per_second"`
	Latency       Latency        `json:"latency_ms"`
	Errors        []ErrorCount   `json:"errors"`
	Server        ServerUsage    `json:"server"`
	Generator     GeneratorUsage `json:"generator"`
	Audit         AuditCheck     `json:"audit"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs  int    `json:"cpus"`
	Model string `json:"model"`
	// Load1 is the one-minute load average when the run started.
	Load1 float64 `json:"load1_at_start"`
	// Busy is the share of all CPUs' time spent busy during the window
	// (every process, not only the server and the generator).
	Busy float64 `json:"cpu_busy_share"`
}

// Latency holds response-time statistics in milliseconds, over every
// request that got an HTTP response.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// ErrorCount counts failed requests of one kind: an HTTP status and its
// OAuth error code, or status 0 and a transport error.
type ErrorCount struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Count  int    `json:"count"`
}

// ServerUsage is the server process's resource use; Measured is false when
// its pid is unknown (target mode without --pid).
type ServerUsage struct {
	Measured bool `json:"measured"`
	PID      int  `json:"pid,omitempty"`
	// StartupMS is the time from exec to ready (started servers only).
	StartupMS float64 `json:"startup_to_ready_ms,omitempty"`
	// CPUSeconds is user + system time during the window; Cores that over
	// the window's wall time; MicrosPerGrant that per successful grant.
	CPUSeconds     float64 `json:"cpu_seconds"`
	Cores          float64 `json:"cpu_cores"`
	MicrosPerGrant float64 `json:"cpu_us_per_grant"`
	// SystemShare is the kernel's part of CPUSeconds (system calls: the
	// network, the store's writes and syncs).
	SystemShare float64 `json:"cpu_system_share"`
	// IdleRSSMB is the resident set after registration, before any load;
	// PeakRSSMB is the peak resident set (VmHWM) at the end of the window.
	IdleRSSMB float64 `json:"idle_rss_mb"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
}

// GeneratorUsage is what the load generator itself cost.
type GeneratorUsage struct {
	CPUSeconds float64 `json:"cpu_seconds"`
	Cores      float64 `json:"cpu_cores"`
	// Pool is the number of requests signed before the window, in
	// PresignSeconds; InlineSigned counts those signed during it because
	// the pool ran out.
	Pool           int     `json:"pool"`
	PresignSeconds float64 `json:"presign_seconds"`
	InlineSigned   int64   `json:"inline_signed"`
	// WarmupRate is the rate measured in the warm-up, which sized the pool.
	WarmupRate float64 `json:"warmup_grants_per_second"`
}

// Problems lists what makes the run a failure: any error, or a token
// without its audit record.
func (r *Result) Problems() []string {
	var p []string
	if n := r.Requests - r.OK; n > 0 {
		p = append(p, fmt.Sprintf("%d of %d requests failed", n, r.Requests))
	}
	if r.Audit.Missing > 0 {
		p = append(p, fmt.Sprintf("%d tokens have no token.issued audit event", r.Audit.Missing))
	}
	if r.Audit.Unreadable > 0 {
		p = append(p, fmt.Sprintf("%d successful responses carried no readable token", r.Audit.Unreadable))
	}
	return p
}

// WriteJSON writes r as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes r for a reader.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "authplane bench: commit %s, %s, %d CPU × %s, load %.2f at start\n",
		short(r.Commit), r.GoVersion, r.Machine.CPUs, r.Machine.Model, r.Machine.Load1)
	fmt.Fprintf(&b, "store %s, client auth %s, ID-JAGs %s, concurrency %d, %.1f s measured after %.1f s warm-up\n\n",
		r.Store, r.ClientAuth, r.IdPAlg, r.Concurrency, r.Seconds, r.WarmupSeconds)
	fmt.Fprintf(&b, "grants      %d ok of %d requests: %.0f grants/s\n", r.OK, r.Requests, r.GrantsPerSec)
	l := r.Latency
	fmt.Fprintf(&b, "latency     p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms\n", l.P50, l.P90, l.P99, l.Max, l.Mean)
	fmt.Fprintf(&b, "errors      %s\n", errorsText(r.Errors))
	fmt.Fprintf(&b, "server      %s\n", r.Server.text())
	g := r.Generator
	fmt.Fprintf(&b, "generator   CPU %.1f s (%.2f cores); %d requests pre-signed in %.1f s, %d signed during the window\n",
		g.CPUSeconds, g.Cores, g.Pool, g.PresignSeconds, g.InlineSigned)
	fmt.Fprintf(&b, "machine     all CPUs %.0f%% busy during the window\n", 100*r.Machine.Busy)
	fmt.Fprintf(&b, "audit       %s\n", r.Audit.text())
	_, err := io.WriteString(w, b.String())
	return err
}

func (s ServerUsage) text() string {
	if !s.Measured {
		return "not measured (pass --pid to read its CPU and memory)"
	}
	t := fmt.Sprintf("pid %d", s.PID)
	if s.StartupMS > 0 {
		t += fmt.Sprintf(", ready %.0f ms after exec", s.StartupMS)
	}
	return t + fmt.Sprintf("; CPU %.1f s (%.2f cores, %.0f µs per grant, %.0f%% in the kernel); RSS idle %.1f MB, peak %.1f MB",
		s.CPUSeconds, s.Cores, s.MicrosPerGrant, 100*s.SystemShare, s.IdleRSSMB, s.PeakRSSMB)
}

func (c AuditCheck) text() string {
	if c.OK() {
		return fmt.Sprintf("every one of the %d tokens has its token.issued event (%d events)", c.Tokens, c.Events)
	}
	return fmt.Sprintf("%d of %d tokens have NO token.issued event, %d responses had no readable token (%d events)",
		c.Missing, c.Tokens, c.Unreadable, c.Events)
}

// errorsText lists the errors, most frequent first.
func errorsText(errs []ErrorCount) string {
	if len(errs) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		if e.Status == 0 {
			parts = append(parts, fmt.Sprintf("%d × %s", e.Count, e.Code))
		} else {
			parts = append(parts, fmt.Sprintf("%d × %d %s", e.Count, e.Status, e.Code))
		}
	}
	return strings.Join(parts, ", ")
}

// errorCounts sorts the error map into a list.
func errorCounts(m map[errorKey]int) []ErrorCount {
	out := make([]ErrorCount, 0, len(m))
	for k, n := range m {
		out = append(out, ErrorCount{Status: k.Status, Code: k.Code, Count: n})
	}
	slices.SortFunc(out, func(a, b ErrorCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Status, b.Status), strings.Compare(a.Code, b.Code))
	})
	return out
}

// latencyOf summarises sorted latencies.
func latencyOf(sorted []time.Duration) Latency {
	if len(sorted) == 0 {
		return Latency{}
	}
	var sum time.Duration
	for _, d := range sorted {
		sum += d
	}
	return Latency{
		P50: ms(percentile(sorted, 0.50)), P90: ms(percentile(sorted, 0.90)), P99: ms(percentile(sorted, 0.99)),
		Max: ms(sorted[len(sorted)-1]), Mean: ms(sum / time.Duration(len(sorted))),
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
