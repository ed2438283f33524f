package token

import (
	"errors"
	"strings"
	"testing"
)

// FuzzVerify feeds arbitrary strings to Verify. Invariants: no panic;
// every failure wraps one of the sentinel errors; a success carries our
// issuer and every required claim.
func FuzzVerify(f *testing.F) {
	k := newStaticKey(f)
	v := newVerifier(k)
	good := mustMint(f, newMinter(k), fullClaims())
	segs := strings.Split(good, ".")
	f.Add(good)                                                                    // a valid token
	f.Add("")                                                                      // empty
	f.Add("..")                                                                    // three empty segments
	f.Add(segs[0] + "." + segs[1] + ".")                                           // signature stripped
	f.Add(b64(`{"alg":"none","typ":"at+jwt"}`) + "." + segs[1] + ".")              // alg none
	f.Add(signRaw(f, k.key, rawHeader(k.kid, "at+jwt"), `{"sub":{"a":[[[[]]]]}}`)) // nested payload
	f.Add(signRaw(f, k.key, rawHeader(k.kid, "at+jwt"), validPayload()))           // hand-built valid
	f.Add(`{"payload":"e30","protected":"e30","signature":""}`)                    // JSON serialization
	sentinels := []error{ErrMalformed, ErrType, ErrSignature, ErrExpired, ErrIssuer, ErrAudience, ErrUnknownKey}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := v.Verify(raw, testAudience)
		if err != nil {
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error %v wraps no sentinel", err)
		}
		if c.Issuer != testIssuer || c.missing() != "" || c.Audience != testAudience {
			t.Fatalf("accepted claims %+v", c)
		}
	})
}
