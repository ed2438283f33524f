package safehttp

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestNET01_ForbiddenDestinationsRefusedWithoutConnection: every special-use
// destination is refused, and a listener on 127.0.0.1 proves that no
// connection was made. Each host is on the allowlist, so the refusal comes
// from the address policy and not from the allowlist.
func TestNET01_ForbiddenDestinationsRefusedWithoutConnection(t *testing.T) {
	srv, counter := newCountingServer(t, jsonHandler(), false)
	port := portOf(t, srv)
	c := New(Options{RootCAs: roots(srv)})
	cases := []struct {
		name string
		url  string
	}{
		{"loopback literal", "https://127.0.0.1:" + port + "/jwks"},
		{"loopback other address", "https://127.0.0.2:" + port + "/jwks"},
		{"loopback by name, refused at dial time after DNS", "https://localhost:" + port + "/jwks"},
		{"ipv6 loopback", "https://[::1]:" + port + "/jwks"},
		{"ipv4-mapped ipv6 loopback", "https://[::ffff:127.0.0.1]:" + port + "/jwks"},
		{"ipv4-mapped ipv6 loopback hex", "https://[::ffff:7f00:1]:" + port + "/jwks"},
		{"ipv4-compatible ipv6 loopback", "https://[::127.0.0.1]:" + port + "/jwks"},
		{"nat64 loopback", "https://[64:ff9b::7f00:1]:" + port + "/jwks"},
		{"hex integer", "https://0x7f000001:" + port + "/jwks"},
		{"decimal integer", "https://2130706433:" + port + "/jwks"},
		{"octal dotted", "https://0177.0.0.1:" + port + "/jwks"},
		{"leading zeros dotted", "https://127.000.000.001:" + port + "/jwks"},
		{"short form", "https://127.1:" + port + "/jwks"},
		{"hex dotted", "https://0x7f.0x0.0x0.0x1:" + port + "/jwks"},
		{"unspecified v4", "https://0.0.0.0:" + port + "/jwks"},
		{"unspecified v6", "https://[::]:" + port + "/jwks"},
		{"cloud metadata", "https://169.254.169.254/latest/meta-data/"},
		{"link-local v6", "https://[fe80::1]/"},
		{"unique local v6", "https://[fd00::1]/"},
		{"private 10/8", "https://10.0.0.1/"},
		{"private 172.16/12", "https://172.16.0.1/"},
		{"private 192.168/16", "https://192.168.1.1/"},
		{"cgnat", "https://100.64.0.1/"},
		{"benchmarking", "https://198.18.0.1/"},
		{"multicast", "https://224.0.0.1/"},
		{"reserved", "https://240.0.0.1/"},
		{"broadcast", "https://255.255.255.255/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetJSON(context.Background(), tc.url, []string{u.Host})
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Fatalf("GetJSON(%s) error = %v, want ErrForbiddenAddress", tc.url, err)
			}
		})
	}
	if n := counter.accepted.Load(); n != 0 {
		t.Fatalf("server accepted %d connections, want 0", n)
	}
}

// TestNET01_InsecureLoopbackAdmitsOnlyLoopback: the dev switch admits
// 127.0.0.0/8 and nothing else that is special-use.
func TestNET01_InsecureLoopbackAdmitsOnlyLoopback(t *testing.T) {
	srv, counter := newCountingServer(t, jsonHandler(), false)
	c := loopbackClient(srv, Options{})
	port := portOf(t, srv)

	resp, err := c.GetJSON(context.Background(), "https://127.0.0.1:"+port+"/ok", []string{"127.0.0.1:" + port})
	if err != nil {
		t.Fatalf("loopback fetch in insecure mode: %v", err)
	}
	if resp.StatusCode != http.StatusOK || string(resp.Body) != `{"ok":true}` {
		t.Fatalf("response = %d %q", resp.StatusCode, resp.Body)
	}
	refused := []string{
		"https://[::ffff:127.0.0.1]:" + port + "/",
		"https://0x7f000001:" + port + "/",
		"https://10.0.0.1/",
		"https://169.254.169.254/",
		"https://192.168.0.1/",
		"https://[fe80::1]/",
	}
	before := counter.accepted.Load()
	for _, raw := range refused {
		u, _ := url.Parse(raw)
		if _, err := c.GetJSON(context.Background(), raw, []string{u.Host}); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("GetJSON(%s) error = %v, want ErrForbiddenAddress", raw, err)
		}
	}
	if n := counter.accepted.Load() - before; n != 0 {
		t.Fatalf("refused fetches made %d connections", n)
	}
}

// TestNET01_InsecureLoopbackIsLogged: the dev switch is announced loudly.
func TestNET01_InsecureLoopbackIsLogged(t *testing.T) {
	for _, insecure := range []bool{false, true} {
		var buf bytes.Buffer
		New(Options{InsecureAllowLoopback: insecure, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
		warned := strings.Contains(buf.String(), "level=WARN") && strings.Contains(buf.String(), "INSECURE")
		if warned != insecure {
			t.Errorf("insecure=%v: warning logged = %v (%q)", insecure, warned, buf.String())
		}
	}
}

// TestNET01_RedirectNotFollowed: a 3xx from an allowed server is an error and
// its target is never contacted, even when that target is an admitted
// loopback address.
func TestNET01_RedirectNotFollowed(t *testing.T) {
	target, targetCounter := newCountingServer(t, jsonHandler(), false)
	cases := []struct {
		name     string
		status   int
		location string
	}{
		{"302 to private address", http.StatusFound, "https://10.0.0.1/jwks"},
		{"301 to metadata", http.StatusMovedPermanently, "https://169.254.169.254/latest/meta-data/"},
		{"307 to loopback listener", http.StatusTemporaryRedirect, target.URL + "/jwks"},
		{"308 relative", http.StatusPermanentRedirect, "/elsewhere"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/elsewhere" {
					jsonHandler().ServeHTTP(w, r)
					return
				}
				http.Redirect(w, r, tc.location, tc.status)
			}), false)
			pool := roots(srv)
			pool.AddCert(target.Certificate())
			c := New(Options{InsecureAllowLoopback: true, RootCAs: pool})
			allowed := []string{hostOf(t, srv), hostOf(t, target), "10.0.0.1", "169.254.169.254"}
			resp, err := c.GetJSON(context.Background(), srv.URL+"/jwks", allowed)
			if !errors.Is(err, ErrRedirect) {
				t.Fatalf("error = %v, want ErrRedirect", err)
			}
			if resp.StatusCode != tc.status || resp.Body != nil {
				t.Fatalf("response = %d body %q, want status %d and no body", resp.StatusCode, resp.Body, tc.status)
			}
		})
	}
	if n := targetCounter.accepted.Load(); n != 0 {
		t.Fatalf("redirect target accepted %d connections, want 0", n)
	}
}

// TestNET01_SchemeRules: https only; http only to a loopback IP literal in
// insecure dev mode.
func TestNET01_SchemeRules(t *testing.T) {
	plain, plainCounter := newCountingServer(t, jsonHandler(), true)
	port := portOf(t, plain)
	cases := []struct {
		name     string
		insecure bool
		url      string
		allowed  string
		want     error
	}{
		{"http to a public name", false, "http://idp.example.com/jwks", "idp.example.com", ErrScheme},
		{"http to loopback without dev mode", false, "http://127.0.0.1:" + port + "/", "127.0.0.1:" + port, ErrScheme},
		{"http to a public name in dev mode", true, "http://idp.example.com/jwks", "idp.example.com", ErrScheme},
		{"http to localhost name in dev mode", true, "http://localhost:" + port + "/", "localhost:" + port, ErrScheme},
		{"http to private literal in dev mode", true, "http://10.0.0.1/", "10.0.0.1", ErrForbiddenAddress},
		{"ftp", true, "ftp://127.0.0.1/", "127.0.0.1", ErrScheme},
		{"file", true, "file:///etc/passwd", "", ErrInvalidURL},
		{"no scheme", false, "//idp.example.com/jwks", "idp.example.com", ErrScheme},
		{"user info", false, "https://user:pw@idp.example.com/", "idp.example.com", ErrInvalidURL},
		{"opaque", false, "https:idp.example.com", "idp.example.com", ErrInvalidURL},
		{"unparsable", false, "https://[::1", "::1", ErrInvalidURL},
		{"http to loopback in dev mode", true, "http://127.0.0.1:" + port + "/", "127.0.0.1:" + port, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Options{InsecureAllowLoopback: tc.insecure})
			_, err := c.GetJSON(context.Background(), tc.url, []string{tc.allowed})
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("GetJSON(%s) error = %v, want %v", tc.url, err, tc.want)
			}
		})
	}
	if n := plainCounter.accepted.Load(); n != 1 {
		t.Fatalf("plain server accepted %d connections, want exactly the one allowed fetch", n)
	}
}
