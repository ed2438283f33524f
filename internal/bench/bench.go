package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"
)

// Pool sizing: the measured window's pool holds the warm-up rate times the
// duration times poolHeadroom, within [minPool, maxPool] (maxPool bodies
// take about a gigabyte).
const (
	poolHeadroom = 1.5
	minPool      = 1000
	maxPool      = 1_500_000
)

// runner holds the state of one run.
type runner struct {
	o     Options
	t     *target
	reg   *registration
	maker *requestMaker
	d     *driver
	res   *Result
	// jtis are the token jtis of every 200 (warm-up and window).
	jtis       []string
	unreadable int
}

// Run performs one benchmark run. The error is non-nil when the run could
// not be performed; a run whose requests failed returns a Result whose
// Problems are not empty.
func Run(ctx context.Context, o Options) (_ *Result, err error) {
	if err := o.check(); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	r := &runner{o: o, res: &Result{
		Commit: o.Commit, GoVersion: runtime.Version(), ClientAuth: o.ClientAuth, IdPAlg: o.IdPAlg, Concurrency: o.Concurrency,
		Machine: Machine{CPUs: runtime.NumCPU(), Model: cpuModel(), Load1: loadAverage()},
	}}
	r.progress("starting the server (store %s)", storeLabel(o))
	if r.t, err = openTarget(ctx, &r.o); err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, r.t.close()) }()
	r.res.Store = r.t.store
	r.res.Server.StartupMS = ms(r.t.startup)
	idp, err := startIdP(o.IdPAlg)
	if err != nil {
		return nil, err
	}
	defer idp.close()
	if err := r.setup(ctx, idp); err != nil {
		return nil, err
	}
	rate, err := r.warmup(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.measure(ctx, rate); err != nil {
		return nil, err
	}
	r.progress("checking %d tokens against the audit trail", len(r.jtis))
	r.res.Audit, err = checkAudit(ctx, r.t.adminClient(), r.reg.clientID, r.jtis, r.unreadable)
	return r.res, err
}

func (r *runner) progress(format string, args ...any) {
	fmt.Fprintf(r.o.Progress, "bench: "+format+"\n", args...)
}

// storeLabel names the store without the DSN's credentials.
func storeLabel(o Options) string {
	switch {
	case o.Target != "":
		return "of the target " + o.Target
	case o.Store == "sqlite":
		return "sqlite"
	}
	return "postgres"
}

// setup registers the bench objects and reads the idle server's memory.
func (r *runner) setup(ctx context.Context, idp *idpServer) error {
	r.progress("registering the IdP, client, resource and policy")
	var err error
	if r.reg, err = register(ctx, r.t.adminClient(), idp, r.o.ClientAuth); err != nil {
		return err
	}
	r.maker = &requestMaker{
		idpKey: idp.key, clientKey: r.reg.clientKey, issuer: idp.issuer, audience: r.t.issuer,
		clientID: r.reg.clientID, resource: r.reg.resource, scope: "bench:read bench:write", now: r.o.Now,
	}
	r.d = newDriver(r.t.public+"/oauth/token", r.reg.authorization, r.maker)
	if r.t.pid > 0 {
		s, err := readProc(r.t.pid)
		if err != nil {
			return err
		}
		r.res.Server.Measured, r.res.Server.PID, r.res.Server.IdleRSSMB = true, r.t.pid, mb(s.RSS)
	}
	return nil
}

// warmup runs unmeasured until Options.Warmup passes or its pool runs
// out, and returns the rate it reached.
func (r *runner) warmup(ctx context.Context) (float64, error) {
	n := min(20000, max(2000, 400*r.o.Concurrency))
	p, err := r.maker.fill(n)
	if err != nil {
		return 0, fmt.Errorf("bench: sign the warm-up pool: %w", err)
	}
	r.progress("warming up for up to %s at concurrency %d", r.o.Warmup, r.o.Concurrency)
	stats, took, err := r.d.run(ctx, p, r.o.Concurrency, time.Now().Add(r.o.Warmup), false)
	if err != nil {
		return 0, err
	}
	m := merge(stats)
	r.collect(m)
	r.res.WarmupSeconds = took.Seconds()
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if m.ok == 0 {
		return 0, fmt.Errorf("bench: no grant succeeded during the warm-up: %s", errorsText(errorCounts(m.errs)))
	}
	rate := float64(m.ok) / took.Seconds()
	r.res.Generator.WarmupRate = rate
	return rate, nil
}

// collect keeps the token jtis of m for the audit check.
func (r *runner) collect(m merged) {
	r.jtis = append(r.jtis, m.jtis...)
	r.unreadable += m.unreadable
}

// measure signs the pool, then runs the measured window and records the
// numbers.
func (r *runner) measure(ctx context.Context, rate float64) error {
	n := int(rate * r.o.Duration.Seconds() * poolHeadroom)
	n = min(maxPool, max(minPool, n+10*r.o.Concurrency))
	r.progress("pre-signing %d requests (warm-up rate %.0f/s)", n, rate)
	start := time.Now()
	p, err := r.maker.fill(n)
	if err != nil {
		return fmt.Errorf("bench: sign the pool: %w", err)
	}
	r.res.Generator.Pool, r.res.Generator.PresignSeconds = n, time.Since(start).Seconds()
	runtime.GC()
	r.progress("measuring for %s at concurrency %d", r.o.Duration, r.o.Concurrency)
	before, err := r.sample()
	if err != nil {
		return err
	}
	profiled := r.profileServer(ctx, r.o.CPUProfile)
	stats, took, err := r.d.run(ctx, p, r.o.Concurrency, time.Now().Add(r.o.Duration), true)
	if err != nil {
		return err
	}
	after, err := r.sample()
	if err != nil {
		return err
	}
	if err := profiled(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r.record(merge(stats), took, before, after)
	return nil
}

// usage is a reading of the server, the generator and the machine.
type usage struct {
	server, self procSample
	machine      machineCPU
}

func (r *runner) sample() (usage, error) {
	var u usage
	var err error
	if r.t.pid > 0 {
		if u.server, err = readProc(r.t.pid); err != nil {
			return u, err
		}
	}
	if u.self, err = readProc(os.Getpid()); err != nil {
		return u, err
	}
	u.machine, err = readMachineCPU()
	return u, err
}

// record fills the result from the window's observations.
func (r *runner) record(m merged, took time.Duration, before, after usage) {
	r.collect(m)
	res, secs := r.res, took.Seconds()
	res.Seconds, res.Requests, res.OK = secs, m.requests, m.ok
	res.GrantsPerSec = float64(m.ok) / secs
	res.Latency, res.Errors = latencyOf(m.latencies), errorCounts(m.errs)
	res.Machine.Busy = busyShare(before.machine, after.machine)
	g := &res.Generator
	g.CPUSeconds = (after.self.CPU - before.self.CPU).Seconds()
	g.Cores, g.InlineSigned = g.CPUSeconds/secs, r.d.inline.Load()
	if s := &res.Server; s.Measured {
		s.CPUSeconds = (after.server.CPU - before.server.CPU).Seconds()
		if s.CPUSeconds > 0 {
			s.SystemShare = (after.server.System - before.server.System).Seconds() / s.CPUSeconds
		}
		s.Cores, s.PeakRSSMB = s.CPUSeconds/secs, mb(after.server.HWM)
		if m.ok > 0 {
			s.MicrosPerGrant = s.CPUSeconds * 1e6 / float64(m.ok)
		}
	}
}
