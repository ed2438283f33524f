package grant

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/authplane/authplane/internal/oauth"
)

// Per-stage benchmarks of the jwt-bearer pipeline (DESIGN.md §8): with
// BenchmarkValidateES256 (assertion), BenchmarkDecideOneRule (policy),
// BenchmarkConsumeJTIWithAudit* (storage) and BenchmarkMint (token) they
// show in which stage a regression happened. docs/benchmarks.md lists
// them.

// benchTokenBody is a token request body of the size the bench sends: an
// ES256 ID-JAG of about 600 bytes.
func benchTokenBody() string {
	assertion := strings.Repeat("eyJhbGciOiJFUzI1NiJ9", 4) + "." + strings.Repeat("eyJpc3MiOiJodHRwOi8v", 20) + "." +
		strings.Repeat("MEUCIQDx", 11)
	return url.Values{"grant_type": {oauth.GrantJWTBearer}, "assertion": {assertion}, "scope": {"repo:read repo:write"}}.Encode()
}

// BenchmarkStageParseForm is the strict form parse of a token request.
func BenchmarkStageParseForm(b *testing.B) {
	body := benchTokenBody()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseForm(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStageClientAuthBasic is client_secret_basic: header decoding,
// the catalog lookup and the keyed hash compared in constant time.
func BenchmarkStageClientAuthBasic(b *testing.B) {
	a := newSecretAuth(b)
	r := postForm("/oauth/token", url.Values{"grant_type": {oauth.GrantJWTBearer}}, "basic-client", basicSecret)
	f := formOf(b, url.Values{"grant_type": {oauth.GrantJWTBearer}})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := a.Authenticate(ctx, r, f); err != nil {
			b.Fatal(err)
		}
	}
}
