package mcpauth

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/authplane/authplane/internal/token"
)

// TestMCP31_VerifierPlugsIntoSDKRequireBearerToken uses the kit's verifier
// with the SDK's own middleware. The SDK checks expiry with the wall clock,
// so the fake clock starts at the real time here.
func TestMCP31_VerifierPlugsIntoSDKRequireBearerToken(t *testing.T) {
	f := newFixture(t)
	f.clock.Set(time.Now().Truncate(time.Second))
	var s seen
	h := auth.RequireBearerToken(f.kit.Verifier(), &auth.RequireBearerTokenOptions{
		ResourceMetadataURL: f.kit.MetadataURL(), Scopes: []string{"repo:read"}})(s.handler())

	w := serve(h, request(http.MethodPost, "/github", f.valid(t, "repo:read"), "{}"))
	if w.Code != http.StatusOK || s.info == nil || s.info.UserID != "idp1|alice" {
		t.Fatalf("valid: status %d, info %+v", w.Code, s.info)
	}
	c := f.claims("repo:read")
	c.Audience = "https://mcp.example.com/jira"
	w = serve(h, request(http.MethodPost, "/github", f.mint(t, f.key, "", c), "{}"))
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("other resource: status %d", w.Code)
	}
	if ch := bearerChallenge(t, w); ch["resource_metadata"] != f.kit.MetadataURL() {
		t.Errorf("challenge %v", ch)
	}
}

func TestAT05_VerifierErrors(t *testing.T) {
	f := newFixture(t)
	expired := f.claims("repo:read")
	expired.Expiry = f.clock.Now().Unix()
	expired.IssuedAt = expired.Expiry - 60
	idjag := signRaw(t, f.key.key, `{"alg":"ES256","typ":"oauth-id-jag+jwt","kid":"`+f.key.kid+`"}`, f.payload(t, nil))
	cases := []struct {
		name  string
		raw   string
		cause error
	}{
		{name: "expired", raw: f.mint(t, f.key, "", expired), cause: token.ErrExpired},
		{name: "id_jag", raw: idjag, cause: token.ErrType},
		{name: "wrong_issuer", raw: f.mint(t, f.key, "https://evil.example.com", f.claims("")), cause: token.ErrIssuer},
		{name: "malformed", raw: "x", cause: token.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			info, err := f.kit.Verifier()(t.Context(), tc.raw, nil)
			if info != nil || !errors.Is(err, auth.ErrInvalidToken) || !errors.Is(err, tc.cause) {
				t.Fatalf("Verifier = %v, %v; want auth.ErrInvalidToken and %v", info, err, tc.cause)
			}
			if strings.Contains(err.Error(), tc.raw) {
				t.Fatal("the error message carries the token")
			}
		})
	}
}

func TestAT05_VerifierUnavailableIsNotInvalidToken(t *testing.T) {
	f := newFixture(t)
	f.as.set(func(as *authServer) { as.jwksStatus = http.StatusServiceUnavailable })
	_, err := f.kit.Verifier()(t.Context(), f.valid(t, "repo:read"), nil)
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("err = %v, want ErrUnavailable only", err)
	}
}
