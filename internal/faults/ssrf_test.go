//go:build faults

package faults

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// trap is a loopback TCP listener that counts the connections it accepts.
// With a handler it serves HTTP on them; without, it closes them at once.
type trap struct {
	ln       net.Listener
	accepted atomic.Int64
	// port is the listener's port.
	port string
}

// openTrap listens on host (a loopback address) until the test ends.
func openTrap(t *testing.T, host string, h http.Handler) *trap {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	tr := &trap{ln: ln}
	_, tr.port, _ = net.SplitHostPort(ln.Addr().String())
	counted := countingListener{Listener: ln, n: &tr.accepted}
	if h != nil {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(counted) }()
		t.Cleanup(func() { srv.Close() })
		return tr
	}
	go func() {
		for {
			c, err := counted.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return tr
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// ssrfCase is one outbound URL an attacker (or a careless admin) registers.
type ssrfCase struct {
	name string
	// issuer and jwksURI of an IdP registration; jwksURI also serves as a
	// client's jwks_uri when client is set.
	issuer, jwksURI string
	client          bool
}

// TestSSRF_GuardRefusesBeforeDialing: with insecure_allow_loopback off,
// IdP registrations and client jwks_uris that point at loopback (literal,
// second address, IPv6, IPv4-mapped, non-canonical, 0.0.0.0, via the name
// localhost), private, CGNAT, link-local and metadata addresses, and at a
// listener that would redirect, are refused before any connection: grants
// and client authentication that would fetch them fail (503 keys
// unavailable, 401 invalid_client), the IdP status names the forbidden
// address, and no trap listener accepts a single connection (DESIGN.md §2
// SSRF protection, SPEC NET-01/02). The 10.x, 100.64.x, 192.168.x and
// 169.254.x URLs are never reachable from here; the point is that the guard
// refuses them before a packet leaves.
func TestSSRF_GuardRefusesBeforeDialing(t *testing.T) {
	t4, t4b, t6 := openTrap(t, "127.0.0.1", nil), openTrap(t, "127.0.0.2", nil), openTrap(t, "::1", nil)
	redir := openTrap(t, "127.0.0.1", redirectTo("http://127.0.0.2:"+t4b.port+"/jwks"))
	traps := map[string]*trap{"127.0.0.1": t4, "127.0.0.2": t4b, "[::1]": t6, "127.0.0.1 (redirector)": redir}
	s := startServer(t, serverOpts{guarded: true})
	a := s.registerAgent()
	p4, p4b, p6 := t4.port, t4b.port, t6.port
	cases := []ssrfCase{
		{name: "loopback literal (discovery)", issuer: "https://127.0.0.1:" + p4},
		{name: "loopback literal", jwksURI: "https://127.0.0.1:" + p4 + "/jwks", client: true},
		{name: "second loopback address", jwksURI: "https://127.0.0.2:" + p4b + "/jwks", client: true},
		{name: "IPv6 loopback", jwksURI: "https://[::1]:" + p6 + "/jwks", client: true},
		{name: "IPv4-mapped IPv6 loopback", jwksURI: "https://[::ffff:127.0.0.1]:" + p4 + "/jwks"},
		{name: "non-canonical IPv4 (0x7f000001)", jwksURI: "https://0x7f000001:" + p4 + "/jwks"},
		{name: "unspecified 0.0.0.0", jwksURI: "https://0.0.0.0:" + p4 + "/jwks", client: true},
		{name: "loopback via a name (discovery)", issuer: "https://localhost:" + p4},
		{name: "loopback via a name", jwksURI: "https://localhost:" + p4 + "/jwks", client: true},
		{name: "redirector on loopback", jwksURI: "https://127.0.0.1:" + redir.port + "/jwks", client: true},
		{name: "metadata (link-local)", jwksURI: "https://169.254.169.254/latest/meta-data/jwks", client: true},
		{name: "private 10/8", jwksURI: "https://10.0.0.1/jwks", client: true},
		{name: "private 192.168/16", jwksURI: "https://192.168.1.1/jwks"},
		{name: "CGNAT 100.64/10", jwksURI: "https://100.64.0.1/jwks"},
	}
	hc := newClient(4)
	for i, c := range cases {
		idpOutcome := s.ssrfIdP(hc, a, i, c)
		clientOutcome := "-"
		if c.client {
			clientOutcome = s.ssrfClient(hc, i, c)
		}
		t.Logf("  %-32s IdP: %s\n  %-32s client jwks_uri: %s", c.name, idpOutcome, "", clientOutcome)
	}
	refused := s.ssrfHTTPRegistrations(p4)
	t.Logf("  %-32s %s", "http:// to loopback (switch off)", refused)
	time.Sleep(200 * time.Millisecond) // let any stray connection land
	for name, tr := range traps {
		t.Logf("connections accepted by the trap on %s:%s: %d", name, tr.port, tr.accepted.Load())
		if n := tr.accepted.Load(); n != 0 {
			t.Errorf("the trap on %s accepted %d connections", name, n)
		}
	}
}

// ssrfIdP registers an IdP at c, asks for a refresh and a grant, and
// returns what happened; it fails the test unless both were refused for a
// forbidden address.
func (s *server) ssrfIdP(hc *http.Client, a agent, i int, c ssrfCase) string {
	t := s.t
	t.Helper()
	id := fmt.Sprintf("ssrf-%d", i)
	reg := map[string]any{"id": id, "issuer": c.issuer}
	if c.issuer == "" {
		reg["issuer"] = fmt.Sprintf("https://idp-%d.ssrf.test", i)
		reg["jwks_uri"] = c.jwksURI
	}
	s.mustAdmin("POST", "/idps", reg, nil)
	var st keyStatus
	s.mustAdmin("POST", "/idps/"+id+"/refresh", nil, &st)
	if !strings.Contains(st.LastError, "forbidden destination address") {
		t.Errorf("%s: refresh last_error %q; want a forbidden destination address", c.name, st.LastError)
	}
	r := s.exchange(hc, a, signer().mint(jag{iss: reg["issuer"].(string)}))
	if r.status != 503 || r.code != "temporarily_unavailable" {
		t.Errorf("%s: grant %d %s; want 503 temporarily_unavailable", c.name, r.status, r.code)
	}
	return fmt.Sprintf("grant %d %s, status last_error %q", r.status, r.code, shorten(st.LastError))
}

// ssrfClient registers a private_key_jwt client whose jwks_uri is c's and
// authenticates as it; it fails the test unless that was refused.
func (s *server) ssrfClient(hc *http.Client, i int, c ssrfCase) string {
	t := s.t
	t.Helper()
	id := fmt.Sprintf("pk-%d", i)
	s.mustAdmin("POST", "/clients", map[string]any{"id": id, "name": id, "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": c.jwksURI}, nil)
	r := send(hc, clientAssertionRequest(s.public+"/oauth/token", id))
	if r.status != 401 || r.code != "invalid_client" {
		t.Errorf("%s: client authentication %d %s; want 401 invalid_client", c.name, r.status, r.code)
	}
	return fmt.Sprintf("%d %s (audit reason %s)", r.status, r.code, s.denialReason(id))
}

// ssrfHTTPRegistrations checks that http:// IdP and client URLs are
// refused at registration when the insecure switch is off.
func (s *server) ssrfHTTPRegistrations(port string) string {
	t := s.t
	t.Helper()
	u := "http://127.0.0.1:" + port + "/jwks"
	st1, _ := s.adminCall("POST", "/idps", map[string]any{"id": "ssrf-http", "issuer": "http://127.0.0.1:" + port}, nil)
	st2, _ := s.adminCall("POST", "/idps", map[string]any{"id": "ssrf-http2", "issuer": "https://idp-http.ssrf.test", "jwks_uri": u}, nil)
	st3, _ := s.adminCall("POST", "/clients", map[string]any{"id": "pk-http", "name": "pk-http", "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": u}, nil)
	if st1 != 400 || st2 != 400 || st3 != 400 {
		t.Errorf("http:// registrations answered %d, %d, %d; want 400 each", st1, st2, st3)
	}
	return fmt.Sprintf("registration refused: IdP issuer %d, IdP jwks_uri %d, client jwks_uri %d", st1, st2, st3)
}

// redirectTo answers every request with a 302 to location.
func redirectTo(location string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, location, http.StatusFound)
	})
}

// shorten keeps the end of an error message, where the reason is.
func shorten(s string) string {
	if len(s) > 72 {
		return "…" + s[len(s)-72:]
	}
	return s
}

// TestSSRF_RedirectNotFollowed: with insecure_allow_loopback on (so that a
// loopback listener can play an allowed host), an IdP JWKS URL and a client
// jwks_uri that answer with a redirect to another loopback listener are
// refused — redirects are never followed — and the redirect target accepts
// no connection (DESIGN.md §2 SSRF protection, SPEC NET-01).
func TestSSRF_RedirectNotFollowed(t *testing.T) {
	target := openTrap(t, "127.0.0.2", nil)
	redir := openTrap(t, "127.0.0.1", redirectTo("http://127.0.0.2:"+target.port+"/jwks"))
	s := startServer(t, serverOpts{})
	a := s.registerAgent()
	hc := newClient(4)
	u := "http://127.0.0.1:" + redir.port + "/jwks"
	s.mustAdmin("POST", "/idps", map[string]any{"id": "redirecting", "issuer": "http://127.0.0.1:" + redir.port, "jwks_uri": u}, nil)
	var st keyStatus
	s.mustAdmin("POST", "/idps/redirecting/refresh", nil, &st)
	r := s.exchange(hc, a, signer().mint(jag{iss: "http://127.0.0.1:" + redir.port}))
	t.Logf("IdP JWKS behind a redirect: grant %d %s, status last_error %q", r.status, r.code, st.LastError)
	if !strings.Contains(st.LastError, "redirect") || r.status != 503 {
		t.Errorf("IdP JWKS behind a redirect: grant %d %s, last_error %q; want 503 and a refused redirect", r.status, r.code, st.LastError)
	}
	s.mustAdmin("POST", "/clients", map[string]any{"id": "pk-redirect", "name": "pk-redirect", "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": u}, nil)
	r = send(hc, clientAssertionRequest(s.public+"/oauth/token", "pk-redirect"))
	t.Logf("client jwks_uri behind a redirect: %d %s, audit reason %q", r.status, r.code, s.denialReason("pk-redirect"))
	if r.status != 401 || r.code != "invalid_client" {
		t.Errorf("client jwks_uri behind a redirect: %d %s; want 401 invalid_client", r.status, r.code)
	}
	time.Sleep(200 * time.Millisecond)
	t.Logf("connections: redirector %d, redirect target %d", redir.accepted.Load(), target.accepted.Load())
	if redir.accepted.Load() == 0 {
		t.Error("the redirector was never asked: the scenario did not exercise a redirect")
	}
	if n := target.accepted.Load(); n != 0 {
		t.Errorf("the redirect target accepted %d connections: a redirect was followed", n)
	}
}
