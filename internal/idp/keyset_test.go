package idp

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// jwkJSON marshals k and merges extra members into it.
func jwkJSON(t *testing.T, k jose.JSONWebKey, extra map[string]any) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for name, v := range extra {
		if v == nil {
			delete(m, name)
		} else {
			m[name] = v
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestJWT01_KeySetFiltering: only public signature keys whose type fits an
// allowed algorithm are kept (JWT-01, JWT-02, RAS-29, DESIGN.md §2).
func TestJWT01_KeySetFiltering(t *testing.T) {
	ec256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsa2048, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	pub := func(key any, alg string) jose.JSONWebKey {
		return jose.JSONWebKey{Key: key, KeyID: "kid", Algorithm: alg, Use: "sig"}
	}
	both := []string{"ES256", "RS256"}
	cases := []struct {
		name  string
		entry json.RawMessage
		algs  []string
		keep  bool
	}{
		{"EC P-256 ES256", jwkJSON(t, pub(ec256.Public(), "ES256"), nil), both, true},
		{"EC P-256 without alg or use", jwkJSON(t, pub(ec256.Public(), ""), map[string]any{"use": nil}), both, true},
		{"RSA 2048 RS256", jwkJSON(t, pub(rsa2048.Public(), "RS256"), nil), both, true},
		{"key_ops with verify", jwkJSON(t, pub(ec256.Public(), "ES256"), map[string]any{"key_ops": []string{"verify"}}), both, true},
		{"EC P-384", jwkJSON(t, pub(ec384.Public(), "ES384"), nil), both, false},
		{"EC P-384 without alg", jwkJSON(t, pub(ec384.Public(), ""), nil), both, false},
		{"RSA 1024", jwkJSON(t, pub(rsa1024.Public(), "RS256"), nil), both, false},
		{"RSA with PS256", jwkJSON(t, pub(rsa2048.Public(), "PS256"), nil), both, false},
		{"EC key labelled RS256", jwkJSON(t, pub(ec256.Public(), "RS256"), nil), both, false},
		{"RSA key labelled ES256", jwkJSON(t, pub(rsa2048.Public(), "ES256"), nil), both, false},
		{"Ed25519", jwkJSON(t, pub(edPub, "EdDSA"), nil), both, false},
		{"symmetric key", json.RawMessage(`{"kty":"oct","kid":"kid","alg":"HS256","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}`), both, false},
		{"use enc", jwkJSON(t, pub(ec256.Public(), "ES256"), map[string]any{"use": "enc"}), both, false},
		{"key_ops sign only", jwkJSON(t, pub(ec256.Public(), "ES256"), map[string]any{"key_ops": []string{"sign"}}), both, false},
		{"ES256 key, IdP allows RS256 only", jwkJSON(t, pub(ec256.Public(), "ES256"), nil), []string{"RS256"}, false},
		{"unlabelled EC key, IdP allows RS256 only", jwkJSON(t, pub(ec256.Public(), ""), nil), []string{"RS256"}, false},
		{"private EC key", jwkJSON(t, pub(ec256, "ES256"), nil), both, false},
		{"private RSA key", jwkJSON(t, pub(rsa2048, "RS256"), nil), both, false},
		{"public EC key with a stray d", jwkJSON(t, pub(ec256.Public(), "ES256"), map[string]any{"d": "AAAA"}), both, false},
		{"upper-case private member", jwkJSON(t, pub(ec256.Public(), "ES256"), map[string]any{"D": "AAAA"}), both, false},
		{"unknown kty", json.RawMessage(`{"kty":"XYZ","kid":"kid"}`), both, false},
		{"point not on curve", json.RawMessage(`{"kty":"EC","crv":"P-256","kid":"kid","x":"AQ","y":"AQ"}`), both, false},
		{"not an object", json.RawMessage(`"key"`), both, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := []byte(`{"keys":[` + string(tc.entry) + `]}`)
			ks, err := parseKeySet(doc, effectiveAlgs(tc.algs))
			if tc.keep {
				if err != nil || len(ks.keys) != 1 {
					t.Fatalf("parseKeySet = %d keys, %v; want the key kept", len(ks.keys), err)
				}
				if strings.Contains(string(ks.doc), `"d"`) {
					t.Fatalf("persisted form carries private material: %s", ks.doc)
				}
				return
			}
			if !errors.Is(err, ErrNoUsableKeys) {
				t.Fatalf("parseKeySet = %d keys, %v; want ErrNoUsableKeys", len(ks.keys), err)
			}
		})
	}
}

// TestJWT01_BadEntrySkippedOthersKept: one unusable entry (here a private
// key) is dropped and never used; the good ones stay.
func TestJWT01_BadEntrySkippedOthersKept(t *testing.T) {
	good, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaked, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	doc := []byte(`{"keys":[` +
		string(jwkJSON(t, jose.JSONWebKey{Key: leaked, KeyID: "leaked", Algorithm: "ES256"}, nil)) + `,` +
		string(jwkJSON(t, jose.JSONWebKey{Key: good.Public(), KeyID: "good", Algorithm: "ES256"}, nil)) + `]}`)
	ks, err := parseKeySet(doc, effectiveAlgs(nil))
	if err != nil || len(ks.keys) != 1 || ks.keys[0].KeyID != "good" || len(ks.skipped) != 1 {
		t.Fatalf("parseKeySet = %+v, %v", ks, err)
	}
}

// TestJWT01_MalformedKeySet: a document that is not a JWK Set is
// ErrBadJWKS.
func TestJWT01_MalformedKeySet(t *testing.T) {
	cases := map[string]string{
		"not JSON":         `<html>`,
		"array":            `[]`,
		"null":             `null`,
		"no keys":          `{"jwks":[]}`,
		"keys not array":   `{"keys":{}}`,
		"keys null":        `{"keys":null}`,
		"trailing garbage": `{"keys":[]} x`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := parseKeySet([]byte(doc), effectiveAlgs(nil)); !errors.Is(err, ErrBadJWKS) {
				t.Fatalf("parseKeySet(%s) = %v, want ErrBadJWKS", doc, err)
			}
		})
	}
}
