package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/authplane/authplane/internal/secret"
)

// Time-outs of the started server's life cycle.
const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 20 * time.Second
)

// serverProc is an AuthPlane started as `authplane serve` for one run.
type serverProc struct {
	cmd     *exec.Cmd
	dir     string
	logPath string
	exited  chan struct{}
	waitErr error
	// public, admin and issuer are the base URLs; token the admin token.
	public, admin, issuer, token string
	// startup is the time from exec to the first 200 from /readyz.
	startup time.Duration
}

// launch starts the server on free loopback ports with a temporary data
// directory, dev mode, insecure_allow_loopback and a generated admin token
// (passed in the environment, like the store DSN, so that neither appears
// on a command line), and waits until it is ready.
func launch(ctx context.Context, exe, store, logLevel string) (*serverProc, error) {
	dir, err := os.MkdirTemp("", "authplane-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: temp dir: %w", err)
	}
	pub, adm, err := freePorts()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &serverProc{dir: dir, logPath: filepath.Join(dir, "server.log"), exited: make(chan struct{}),
		public: "http://" + pub, admin: "http://" + adm, issuer: "http://" + pub, token: secret.Generate()}
	logf, err := os.Create(s.logPath)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("bench: server log: %w", err)
	}
	defer logf.Close()
	s.cmd = exec.Command(exe, "serve", "--dev", "--data-dir", filepath.Join(dir, "data"),
		"--public-addr", pub, "--admin-addr", adm, "--issuer", s.issuer, "--insecure-allow-loopback",
		"--log-level", logLevel, "--log-format", "json")
	s.cmd.Env = append(runtimeEnv(), "AUTHPLANE_ADMIN_TOKEN="+s.token, "AUTHPLANE_STORE="+store)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = childAttr()
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("bench: start %s serve: %w", exe, err)
	}
	go func() { s.waitErr = s.cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, err
	}
	s.startup = time.Since(start)
	return s, nil
}

// runtimeVars are the Go runtime's tuning variables; the started server
// inherits them from the bench's environment (nothing else is passed on).
var runtimeVars = []string{"GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG"}

// runtimeEnv returns the runtimeVars set in this process's environment.
func runtimeEnv() []string {
	var env []string
	for _, k := range runtimeVars {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// freePorts picks two free loopback ports. Another process could take one
// before the server binds it; the server then fails to start and says so.
func freePorts() (string, string, error) {
	var addrs [2]string
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", "", fmt.Errorf("bench: pick a free port: %w", err)
		}
		defer ln.Close()
		addrs[i] = ln.Addr().String()
	}
	return addrs[0], addrs[1], nil
}

// waitReady polls /readyz until it answers 200, the process exits or the
// time-out passes.
func (s *serverProc) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(readyTimeout)
	hc := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.public+"/readyz", nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("bench: the server exited before it was ready (%v); its log: %s", s.waitErr, s.logPath)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: the server was not ready within %s; its log: %s", readyTimeout, s.logPath)
		}
	}
}

// pid is the server's process id.
func (s *serverProc) pid() int { return s.cmd.Process.Pid }

// stop ends the server gracefully (SIGTERM: in-flight requests finish, the
// audit queue drains), kills it if it does not exit in time, and removes
// the data directory. It returns an error if the server did not stop
// cleanly.
func (s *serverProc) stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case <-s.exited:
		err = s.waitErr
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		err = errors.New("did not stop within " + strconv.Itoa(int(stopTimeout.Seconds())) + "s and was killed")
	}
	if err != nil {
		return fmt.Errorf("bench: server stop: %w (log kept in %s)", err, s.logPath)
	}
	return os.RemoveAll(s.dir)
}
