//go:build faults

package faults

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/secret"
)

// Issuer is the issuer URL of every AuthPlane the harness starts: instances
// sharing a store must share it, since it is the audience of every ID-JAG.
const issuer = "https://authplane.faults.test"

// Time-outs of a server's life cycle.
const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 25 * time.Second
)

// binary is the authplane executable, built once by TestMain.
var binary string

// TestMain builds cmd/authplane once from the module root into a temporary
// directory, runs the scenarios and removes the build.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "authplane-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(2)
	}
	binary = filepath.Join(dir, "authplane")
	if err := build(binary); err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles cmd/authplane into out, from the module root that
// `go env GOMOD` names.
func build(out string) error {
	mod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(mod)))
	start := time.Now()
	cmd := exec.Command("go", "build", "-buildvcs=false", "-o", out, "./cmd/authplane")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/authplane: %w\n%s", err, b)
	}
	fmt.Printf("faults: built %s in %s\n", out, time.Since(start).Round(time.Millisecond))
	return nil
}

// serverOpts configures a started AuthPlane.
type serverOpts struct {
	// store is "sqlite" (the default, in dataDir) or a postgres:// DSN.
	store string
	// dataDir is reused on restart; "" makes a fresh temporary one.
	dataDir string
	// guarded leaves insecure_allow_loopback off (the SSRF scenario); every
	// other scenario turns it on to reach the loopback IdP.
	guarded bool
	// adminToken and kek must be shared by instances sharing a store; ""
	// generates them.
	adminToken, kek string
	// env holds extra AUTHPLANE_* settings.
	env []string
}

// server is one AuthPlane, started as `authplane serve` in its own process.
// Restarts keep its ports, data and secrets.
type server struct {
	t      *testing.T
	opts   serverOpts
	pubAdr string
	admAdr string
	// public and admin are the base URLs of the two listeners.
	public, admin string
	cmd           *exec.Cmd
	exited        chan struct{}
	waitErr       error
	logs          []string
	adminHTTP     *http.Client
	starts        int
	// startup is the time from exec to the first 200 from /readyz of the
	// latest start.
	startup time.Duration
}

// startServer starts an AuthPlane and stops it (SIGTERM) when the test
// ends; its logs are printed if the test failed.
func startServer(t *testing.T, o serverOpts) *server {
	t.Helper()
	s := newServer(t, o)
	s.start()
	return s
}

// newServer prepares an AuthPlane without starting it (launch or start
// it); it is stopped when the test ends and its logs are printed if the
// test failed.
func newServer(t *testing.T, o serverOpts) *server {
	t.Helper()
	if o.store == "" {
		o.store = "sqlite"
	}
	if o.dataDir == "" {
		o.dataDir = t.TempDir()
	}
	if o.adminToken == "" {
		o.adminToken = secret.Generate()
	}
	if o.kek == "" {
		o.kek = newKEK()
	}
	s := &server{t: t, opts: o, adminHTTP: &http.Client{Timeout: 30 * time.Second}}
	s.pubAdr, s.admAdr = freePort(t), freePort(t)
	s.public, s.admin = "http://"+s.pubAdr, "http://"+s.admAdr
	t.Cleanup(func() {
		if s.running() {
			s.stop()
		}
		if t.Failed() {
			s.dumpLogs()
		}
	})
	return s
}

// newKEK returns a random base64 key-encryption key.
func newKEK() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// freePort picks a free loopback port by listening on :0 and closing.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// environ is the server's whole environment: nothing is inherited.
func (s *server) environ() []string {
	o := s.opts
	env := []string{
		"AUTHPLANE_DEV=true", "AUTHPLANE_DATA_DIR=" + o.dataDir, "AUTHPLANE_STORE=" + o.store,
		"AUTHPLANE_ADMIN_TOKEN=" + o.adminToken, "AUTHPLANE_KEK=" + o.kek, "AUTHPLANE_ISSUER=" + issuer,
		"AUTHPLANE_PUBLIC_ADDR=" + s.pubAdr, "AUTHPLANE_ADMIN_ADDR=" + s.admAdr,
		"AUTHPLANE_INSECURE_ALLOW_LOOPBACK=" + strconv.FormatBool(!o.guarded),
		"AUTHPLANE_LOG__LEVEL=warn", "AUTHPLANE_LOG__FORMAT=text", "AUTHPLANE_PURGE__INTERVAL=1h",
	}
	return append(env, o.env...)
}

// start launches the server and fails the test if it does not become
// ready.
func (s *server) start() {
	s.t.Helper()
	if err := s.launch(); err != nil {
		s.t.Fatal(err)
	}
}

// launch execs the server and waits until /readyz answers 200. It may run
// on any goroutine.
func (s *server) launch() error {
	s.starts++
	logPath := filepath.Join(s.t.TempDir(), fmt.Sprintf("server-%d.log", s.starts))
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	s.logs = append(s.logs, logPath)
	s.cmd = exec.Command(binary, "serve")
	s.cmd.Env = s.environ()
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = childAttr()
	s.exited = make(chan struct{})
	begin := time.Now()
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start authplane: %w", err)
	}
	exited := s.exited
	go func() { s.waitErr = s.cmd.Wait(); close(exited) }()
	if err := s.waitReady(); err != nil {
		s.kill()
		return err
	}
	s.startup = time.Since(begin)
	return nil
}

// waitReady polls /readyz every 10 ms.
func (s *server) waitReady() error {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		if resp, err := hc.Get(s.public + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("authplane exited before it was ready: %v (log %s)", s.waitErr, s.logs[len(s.logs)-1])
		case <-time.After(10 * time.Millisecond):
		}
	}
	return fmt.Errorf("authplane not ready within %s", readyTimeout)
}

// running reports whether the process has been started and not exited.
func (s *server) running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// pid is the server's process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// stop ends the server with SIGTERM (graceful: in-flight requests finish,
// the audit queue drains) and fails the test if it does not exit cleanly.
func (s *server) stop() {
	s.t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		if s.waitErr != nil {
			s.t.Errorf("authplane did not stop cleanly on SIGTERM: %v", s.waitErr)
		}
	case <-time.After(stopTimeout):
		s.kill()
		s.t.Errorf("authplane did not stop within %s of SIGTERM and was killed", stopTimeout)
	}
}

// kill ends the server with SIGKILL (a crash) and waits for it.
func (s *server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// restart starts the server again on the same ports, data and secrets.
func (s *server) restart() {
	s.t.Helper()
	if s.running() {
		s.stop()
	}
	s.start()
}

// dumpLogs prints the tail of every log of this server.
func (s *server) dumpLogs() {
	for _, p := range s.logs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) > 60 {
			lines = lines[len(lines)-60:]
		}
		s.t.Logf("--- %s (last %d lines)\n%s", p, len(lines), strings.Join(lines, "\n"))
	}
}

// logContains reports whether any log of this server contains substr.
func (s *server) logContains(substr string) bool {
	for _, p := range s.logs {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), substr) {
			return true
		}
	}
	return false
}

// memory is a reading of the server's resident set.
type memory struct {
	// RSS is VmRSS, HWM its peak VmHWM, both in bytes.
	RSS, HWM int64
}

func (m memory) String() string {
	return fmt.Sprintf("RSS %.1f MB (peak %.1f MB)", mb(m.RSS), mb(m.HWM))
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// memory reads VmRSS and VmHWM from /proc/<pid>/status.
func (s *server) memory() (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.pid()))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return memory{}, fmt.Errorf("malformed %s: %q", name, val)
		}
		if name == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.HWM = kb << 10
		}
	}
	if m.RSS == 0 {
		return m, errors.New("no VmRSS in /proc status")
	}
	return m, sc.Err()
}

// withDeadline is a context that ends after d or with the test.
func withDeadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
