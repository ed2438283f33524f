package assertion

import (
	"context"
	"strings"
	"testing"
)

// tc is one named Validate case.
type tc struct {
	name   string
	jag    jag
	client string                                      // authenticated client; default testClient
	mod    func(v *Validator, k *fakeKeys, tok string) // adjusts the validator for this case
	want   error                                       // nil: must validate
	reason string                                      // Reason(err) when want != nil
	// noKeyLookup asserts the key resolver was never called (checks that precede step 14).
	noKeyLookup bool
	// then inspects a successful (or failed) Assertion further.
	then func(t *testing.T, a *Assertion)
}

func runCases(t *testing.T, cases []tc) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, keys := newTestValidator()
			tok := c.jag.build(t)
			if c.mod != nil {
				c.mod(v, keys, tok)
			}
			client := c.client
			if client == "" {
				client = testClient
			}
			a, err := v.Validate(context.Background(), tok, client)
			check(t, a, err, c.want, c.reason)
			if c.noKeyLookup && keys.callCount() != 0 {
				t.Fatalf("ResolveKey called %d times before the token passed the earlier checks", keys.callCount())
			}
			if c.then != nil {
				c.then(t, a)
			}
		})
	}
}

// noLookup marks every failing case as one that must fail before any key lookup.
func noLookup(cases []tc) []tc {
	for i := range cases {
		cases[i].noKeyLookup = cases[i].want != nil
	}
	return cases
}

// part returns the i-th dot-separated part of a compact token.
func part(tok string, i int) string { return strings.Split(tok, ".")[i] }

// withPart replaces the i-th part of a compact token.
func withPart(i int, s string) func(string) string {
	return func(tok string) string {
		p := strings.Split(tok, ".")
		p[i] = s
		return strings.Join(p, ".")
	}
}

// rawClaims returns the default claims as JSON text with extra appended inside the object, so a
// payload can carry duplicates and other things json.Marshal would not produce.
func rawClaims(t testing.TB, over map[string]any, extra string) string {
	t.Helper()
	b := string(mustJSON(t, merge(defaultClaims(), over)))
	return b[:len(b)-1] + extra + "}"
}

// rawHeader returns the default header JSON text with extra appended inside the object.
func rawHeader(extra string) string {
	return `{"alg":"ES256","kid":"ec-1","typ":"oauth-id-jag+jwt"` + extra + `}`
}
