package idprole

import (
	"context"
	"net/url"
	"testing"
	"time"
)

// TestIDP30_DPoPBindsIDJAG: with a valid proof the ID-JAG carries
// cnf.jkt of the proof key, and the audit record names the key.
func TestIDP30_DPoPBindsIDJAG(t *testing.T) {
	e := newEnv(t)
	k := newProofKey(t)
	f := exchangeForm(e.idToken("agent", agentSecret, "alice", alicePass))
	_, body := e.exchangeOK(f, map[string]string{"DPoP": k.proof(t, "dpop+jwt", e.proofClaims())})
	cnf, _ := claimsOf(t, body["access_token"].(string))["cnf"].(map[string]any)
	if cnf["jkt"] != k.jkt(t) {
		t.Fatalf("cnf = %v, want jkt %s", cnf, k.jkt(t))
	}
	ev := must(e.srv.Audit(context.Background(), 1))[0]
	if ev.Type != EventIDJAGIssued || ev.DPoPJKT != k.jkt(t) {
		t.Fatalf("audit %+v", ev)
	}
}

// TestIDP30_InvalidDPoPProof: a proof that fails RFC 9449 §4.3 is 400
// invalid_dpop_proof (A.5 last row).
func TestIDP30_InvalidDPoPProof(t *testing.T) {
	proof := func(typ string, mod func(e *env, c map[string]any)) func(*testing.T, *env, url.Values, map[string]string) {
		return func(t *testing.T, e *env, _ url.Values, h map[string]string) {
			c := e.proofClaims()
			if mod != nil {
				mod(e, c)
			}
			h["DPoP"] = newProofKey(t).proof(t, typ, c)
		}
	}
	runExchangeCases(t, []exCase{
		{"not a JWS", func(_ *testing.T, _ *env, _ url.Values, h map[string]string) { h["DPoP"] = "x.y.z" },
			400, "invalid_dpop_proof", "dpop_malformed"},
		{"wrong typ", proof("JWT", nil), 400, "invalid_dpop_proof", "dpop_wrong_typ"},
		{"wrong htm", proof("dpop+jwt", func(_ *env, c map[string]any) { c["htm"] = "GET" }), 400, "invalid_dpop_proof", "dpop_htm_mismatch"},
		{"wrong htu", proof("dpop+jwt", func(e *env, c map[string]any) { c["htu"] = e.issuer + "/authorize" }), 400, "invalid_dpop_proof", "dpop_htu_mismatch"},
		{"no jti", proof("dpop+jwt", func(_ *env, c map[string]any) { delete(c, "jti") }), 400, "invalid_dpop_proof", "dpop_bad_jti"},
		{"iat too old", proof("dpop+jwt", func(e *env, c map[string]any) {
			c["iat"] = e.clock.Now().Add(-6 * time.Minute).Unix()
		}), 400, "invalid_dpop_proof", "dpop_iat_out_of_window"},
		{"iat in the future", proof("dpop+jwt", func(e *env, c map[string]any) {
			c["iat"] = e.clock.Now().Add(2 * time.Minute).Unix()
		}), 400, "invalid_dpop_proof", "dpop_iat_out_of_window"},
		{"signature by another key", func(t *testing.T, e *env, _ url.Values, h map[string]string) {
			a, b := newProofKey(t).proof(t, "dpop+jwt", e.proofClaims()), newProofKey(t).proof(t, "dpop+jwt", e.proofClaims())
			h["DPoP"] = a[:lastDot(a)] + b[lastDot(b):]
		}, 400, "invalid_dpop_proof", "dpop_bad_signature"},
		{"replayed proof", func(t *testing.T, e *env, f url.Values, h map[string]string) {
			h["DPoP"] = newProofKey(t).proof(t, "dpop+jwt", e.proofClaims())
			e.exchangeOK(f, h)
		}, 400, "invalid_dpop_proof", "dpop_replay"},
	})
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// TestIDP30_DPoPNonce: with nonces required, a proof without our nonce is
// 400 use_dpop_nonce with a DPoP-Nonce header; the retry with it succeeds.
func TestIDP30_DPoPNonce(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RequireDPoPNonce = true })
	k := newProofKey(t)
	f := exchangeForm(e.idToken("agent", agentSecret, "alice", alicePass))
	resp, body := e.tokenReq(f, map[string]string{"DPoP": k.proof(t, "dpop+jwt", e.proofClaims())})
	wantError(t, resp, body, 400, "use_dpop_nonce")
	nonce := resp.Header.Get("DPoP-Nonce")
	if nonce == "" {
		t.Fatal("no DPoP-Nonce header")
	}
	c := e.proofClaims()
	c["jti"], c["nonce"] = "retry", "not-our-nonce"
	resp, body = e.tokenReq(f, map[string]string{"DPoP": k.proof(t, "dpop+jwt", c)})
	wantError(t, resp, body, 400, "use_dpop_nonce")
	c["nonce"] = nonce
	e.clock.Advance(nonceWindow) // the previous window's nonce is still good
	c["iat"] = e.clock.Now().Unix()
	e.exchangeOK(f, map[string]string{"DPoP": k.proof(t, "dpop+jwt", c)})
}
