//go:build faults

package faults

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/testidp"
)

// requestKind is one kind of malformed or oversized token request.
type requestKind struct {
	name    string
	request func() *http.Request
}

// malformedKinds lists the bad requests of the malformed flood: form and
// transport defects, oversized bodies and headers, assertions that are not
// JWTs or are hostile JWTs, and client authentication failures.
func malformedKinds(s *server, a agent, p *enterpriseIdP) []requestKind {
	tokenURL := s.public + "/oauth/token"
	post := func(body string) func() *http.Request {
		return func() *http.Request { return formRequest(tokenURL, a.authorization, strings.NewReader(body)) }
	}
	grantWith := func(assertion string) func() *http.Request {
		return post("grant_type=" + url.QueryEscape(oauth.GrantJWTBearer) + "&assertion=" + url.QueryEscape(assertion))
	}
	hostile := hostileAssertions(p)
	big := bytes.Repeat([]byte("a"), 1536<<10) // over the 1 MiB body limit
	return []requestKind{
		{"empty body", post("")},
		{"unknown grant_type", post("grant_type=password&username=a&password=b")},
		{"repeated grant_type", post("grant_type=x&grant_type=" + url.QueryEscape(oauth.GrantJWTBearer))},
		{"bad percent-encoding", post("grant_type=%zz&assertion=%")},
		{"invalid UTF-8", post("grant_type=" + url.QueryEscape(oauth.GrantJWTBearer) + "&assertion=%ff%fe")},
		{"10,000 parameters", post(strings.Repeat("p=1&", 10_000))},
		{"assertion not a JWT", grantWith("not-a-jwt")},
		{"assertion bad segments", grantWith("!!.??.**")},
		{"assertion JSON broken", grantWith(hostile["broken JSON"])},
		{"assertion alg none", grantWith(hostile["alg none"])},
		{"assertion deep nesting", grantWith(hostile["deep nesting"])},
		{"assertion 60 KB", grantWith(hostile["60 KB"])},
		{"form over 64 KiB (chunked)", func() *http.Request {
			r := formRequest(tokenURL, a.authorization, io.MultiReader(strings.NewReader("assertion="), bytes.NewReader(big[:100<<10])))
			r.ContentLength = -1
			return r
		}},
		{"body over 1 MiB", func() *http.Request { return formRequest(tokenURL, a.authorization, bytes.NewReader(big)) }},
		{"header over 32 KiB", func() *http.Request {
			r := formRequest(tokenURL, a.authorization, strings.NewReader("grant_type=x"))
			r.Header.Set("X-Pad", strings.Repeat("h", 40<<10))
			return r
		}},
		{"JSON content type", func() *http.Request {
			r := formRequest(tokenURL, a.authorization, strings.NewReader(`{"grant_type":"x"}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
		{"GET token endpoint", func() *http.Request { r, _ := http.NewRequest("GET", tokenURL, nil); return r }},
		{"garbage basic auth", func() *http.Request {
			return formRequest(tokenURL, "Basic !!!not-base64", strings.NewReader("grant_type="+url.QueryEscape(oauth.GrantJWTBearer)+"&assertion=x.y.z"))
		}},
		{"unknown client", func() *http.Request {
			return formRequest(tokenURL, "Basic dW5rbm93bjpzZWNyZXQ=", strings.NewReader("grant_type="+url.QueryEscape(oauth.GrantJWTBearer)+"&assertion=x.y.z"))
		}},
		{"no client authentication", func() *http.Request {
			return formRequest(tokenURL, "", strings.NewReader("grant_type="+url.QueryEscape(oauth.GrantJWTBearer)+"&assertion=x.y.z"))
		}},
	}
}

// formRequest is a POST of a form body with an optional Authorization.
func formRequest(u, authorization string, body io.Reader) *http.Request {
	r, _ := http.NewRequest("POST", u, body)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return r
}

// hostileAssertions are signed by the IdP's real key, so that only their
// defect is to blame.
func hostileAssertions(p *enterpriseIdP) map[string]string {
	k := p.signingKey()
	hdr := `{"alg":"` + string(k.Alg) + `","typ":"oauth-id-jag+jwt","kid":"` + k.Kid + `"}`
	now := time.Now().Unix()
	claims := func(extra string) string {
		return `{"iss":"` + p.issuer + `","sub":"alice","aud":"` + issuer + `","client_id":"` + agentID + `","jti":"` + secret.ID() +
			`","iat":` + strconv.FormatInt(now, 10) + `,"exp":` + strconv.FormatInt(now+300, 10) + extra + `}`
	}
	return map[string]string{
		"broken JSON":  testidp.SignRaw(k, []byte(hdr), []byte(`{"iss":"`+p.issuer+`","sub":`), false),
		"alg none":     testidp.SignRaw(k, []byte(`{"alg":"none","typ":"oauth-id-jag+jwt"}`), []byte(claims("")), true),
		"deep nesting": testidp.SignRaw(k, []byte(hdr), []byte(claims(`,"x":`+strings.Repeat("[", 10_000)+strings.Repeat("]", 10_000))), false),
		"60 KB":        testidp.SignRaw(k, []byte(hdr), []byte(claims(`,"pad":"`+strings.Repeat("p", 44<<10)+`"`)), false),
	}
}
