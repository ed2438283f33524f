//go:build faults

package faults

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/oauth"
)

// Names of the objects every scenario registers.
const (
	idpID       = "acme"
	agentID     = "agent"
	resourceID  = "tools"
	resourceURI = "https://mcp.faults.test/tools"
)

// adminCall sends an admin API request and decodes a JSON answer into out.
func (s *server) adminCall(method, path string, in, out any) (int, []byte) {
	s.t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			s.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.admin+"/admin/v1"+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.opts.adminToken)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.adminHTTP.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode/100 == 2 && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, raw
}

// mustAdmin is adminCall that fails the test on a non-2xx answer.
func (s *server) mustAdmin(method, path string, in, out any) {
	s.t.Helper()
	if st, raw := s.adminCall(method, path, in, out); st/100 != 2 {
		s.t.Fatalf("%s %s → %d %s", method, path, st, raw)
	}
}

// agent is the registered client: its Authorization header.
type agent struct {
	authorization string
}

// register creates the IdP (with its jwks_uri when byJWKSURI, else found
// by discovery) and the agent (see registerAgent).
func (s *server) register(p *enterpriseIdP, byJWKSURI bool) agent {
	s.t.Helper()
	reg := map[string]any{"id": idpID, "issuer": p.issuer}
	if byJWKSURI {
		reg["jwks_uri"] = p.jwksURI()
	}
	s.mustAdmin("POST", "/idps", reg, nil)
	return s.registerAgent()
}

// registerAgent creates the faults resource, the agent client
// (client_secret_basic, any IdP) and a policy allowing it everything on
// the resource.
func (s *server) registerAgent() agent {
	s.t.Helper()
	s.mustAdmin("POST", "/resources", map[string]any{"id": resourceID, "uri": resourceURI, "scopes": []string{"tools:read", "tools:write"}}, nil)
	var c struct {
		ClientSecret string `json:"client_secret"`
	}
	s.mustAdmin("POST", "/clients", map[string]any{"id": agentID, "name": "faults agent", "grant_types": []string{oauth.GrantJWTBearer}, "token_endpoint_auth_method": "client_secret_basic"}, &c)
	s.mustAdmin("POST", "/policies", map[string]any{"id": "agent-tools", "effect": "allow", "clients": []string{agentID}, "resources": []string{resourceID}}, nil)
	cred := url.QueryEscape(agentID) + ":" + url.QueryEscape(c.ClientSecret)
	return agent{authorization: "Basic " + base64.StdEncoding.EncodeToString([]byte(cred))}
}

// newClient is a keep-alive HTTP client for n concurrent workers.
func newClient(n int) *http.Client {
	tr := &http.Transport{MaxIdleConns: 4 * n, MaxIdleConnsPerHost: 2 * n, IdleConnTimeout: 30 * time.Second}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// result is one token endpoint answer.
type result struct {
	status int
	// code is the OAuth error code; token the access token.
	code, token string
	retryAfter  string
	latency     time.Duration
	// err is a transport error (no answer).
	err error
}

// exchange performs the jwt-bearer grant for a with assertion.
func (s *server) exchange(hc *http.Client, a agent, assertion string) result {
	form := "grant_type=" + url.QueryEscape(oauth.GrantJWTBearer) + "&assertion=" + url.QueryEscape(assertion)
	req, err := http.NewRequest("POST", s.public+"/oauth/token", strings.NewReader(form))
	if err != nil {
		return result{err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", a.authorization)
	return send(hc, req)
}

// send performs req and reads a token endpoint answer.
func send(hc *http.Client, req *http.Request) result {
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return result{err: err, latency: time.Since(start)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	r := result{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), latency: time.Since(start), err: err}
	var body struct {
		Error       string `json:"error"`
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(raw, &body)
	r.code, r.token = body.Error, body.AccessToken
	return r
}

// tokenJTI reads the jti claim of an access token (no verification: the
// server that issued it is the one under test).
func tokenJTI(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a compact JWS")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		JTI string `json:"jti"`
	}
	if err := json.Unmarshal(b, &c); err != nil || c.JTI == "" {
		t.Fatalf("access token without jti: %v", err)
	}
	return c.JTI
}

// issuedTokenJTIs pages through every token.issued audit event and returns
// their token jtis.
func (s *server) issuedTokenJTIs() map[string]bool {
	s.t.Helper()
	out := map[string]bool{}
	cursor := ""
	for page := 0; page < 10_000; page++ {
		var res struct {
			Items []struct {
				TokenJTI string `json:"token_jti"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		s.mustAdmin("GET", "/audit?type=token.issued&limit=1000&cursor="+url.QueryEscape(cursor), nil, &res)
		for _, e := range res.Items {
			out[e.TokenJTI] = true
		}
		if res.NextCursor == "" {
			return out
		}
		cursor = res.NextCursor
	}
	s.t.Fatal("audit paging did not end")
	return nil
}

// waitUntil polls cond every 10 ms for up to d and returns how long it
// took, or fails the test.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not reached within %s", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// denialReason returns the reason of the latest grant.denied audit event of
// clientID, waiting up to two seconds for the batched denial queue.
func (s *server) denialReason(clientID string) string {
	s.t.Helper()
	var reason string
	deadline := time.Now().Add(2 * time.Second)
	for reason == "" && time.Now().Before(deadline) {
		var res struct {
			Items []struct {
				Reason string `json:"reason"`
			} `json:"items"`
		}
		s.mustAdmin("GET", "/audit?type=grant.denied&client="+url.QueryEscape(clientID)+"&limit=1000", nil, &res)
		if n := len(res.Items); n > 0 {
			reason = res.Items[n-1].Reason
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	return reason
}

// denialReasons counts the grant.denied audit events by reason, waiting
// until at least want are stored (up to two seconds: denials are written in
// batches).
func (s *server) denialReasons(want int) map[string]int {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		out, n := map[string]int{}, 0
		cursor := ""
		for page := 0; page < 1000; page++ {
			var res struct {
				Items []struct {
					Reason string `json:"reason"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			s.mustAdmin("GET", "/audit?type=grant.denied&limit=1000&cursor="+url.QueryEscape(cursor), nil, &res)
			for _, e := range res.Items {
				out[e.Reason]++
				n++
			}
			if cursor = res.NextCursor; cursor == "" {
				break
			}
		}
		if n >= want || time.Now().After(deadline) {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}
