package idp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// MinRSABits is the smallest RSA modulus accepted for RS256 (JWT-02).
const MinRSABits = 2048

// isPrivateMember reports whether a JWK member carries private or symmetric
// key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2), in any case.
func isPrivateMember(name string) bool {
	switch strings.ToLower(name) {
	case "d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv":
		return true
	}
	return false
}

// keySet is a filtered key set ready to install.
type keySet struct {
	keys    []jose.JSONWebKey
	doc     []byte   // {"keys":[…]} with the kept public keys only
	skipped []string // why entries were ignored, for the log
	ttl     time.Duration
}

func (ks keySet) kids() []string {
	out := make([]string, 0, len(ks.keys))
	for _, k := range ks.keys {
		out = append(out, k.KeyID)
	}
	return out
}

// parseKeySet parses a JWK Set and keeps the entries usable for algs. A
// document that is not a JSON object with a "keys" array is ErrBadJWKS; a
// set without any usable entry is ErrNoUsableKeys. Unusable entries
// (unknown kty, wrong use or alg, weak or mismatched key, private material)
// are skipped, as RFC 7517 §5 advises, and never used.
func parseKeySet(body []byte, algs []string) (keySet, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return keySet{}, fmt.Errorf("%w: not a JSON object", ErrBadJWKS)
	}
	var entries []json.RawMessage
	if raw, ok := doc["keys"]; !ok || json.Unmarshal(raw, &entries) != nil || entries == nil {
		return keySet{}, fmt.Errorf("%w: no \"keys\" array", ErrBadJWKS)
	}
	var ks keySet
	for i, raw := range entries {
		k, err := parseKey(raw, algs)
		if err != nil {
			ks.skipped = append(ks.skipped, fmt.Sprintf("entry %d: %v", i, err))
			continue
		}
		ks.keys = append(ks.keys, k)
	}
	if len(ks.keys) == 0 {
		return keySet{}, fmt.Errorf("%w: %s", ErrNoUsableKeys, strings.Join(ks.skipped, "; "))
	}
	out, err := json.Marshal(jose.JSONWebKeySet{Keys: ks.keys})
	if err != nil {
		return keySet{}, fmt.Errorf("%w: %w", ErrBadJWKS, err)
	}
	ks.doc = out
	return ks, nil
}

// parseKey parses one JWK Set entry and applies the filters: public key
// only, use absent or "sig", key_ops absent or containing "verify", alg
// absent or allowed, and a key type that fits an allowed alg.
func parseKey(raw json.RawMessage, algs []string) (jose.JSONWebKey, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return jose.JSONWebKey{}, fmt.Errorf("not a JSON object")
	}
	for name := range members {
		if isPrivateMember(name) {
			return jose.JSONWebKey{}, fmt.Errorf("carries private key material (%q)", name)
		}
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(raw); err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("unparseable: %v", err)
	}
	if !k.IsPublic() || !k.Valid() {
		return jose.JSONWebKey{}, fmt.Errorf("kid %q is not a valid public key", k.KeyID)
	}
	if k.Use != "" && k.Use != "sig" {
		return jose.JSONWebKey{}, fmt.Errorf("kid %q has use %q", k.KeyID, k.Use)
	}
	if ops, ok := members["key_ops"]; ok {
		var list []string
		if json.Unmarshal(ops, &list) != nil || !slices.Contains(list, "verify") {
			return jose.JSONWebKey{}, fmt.Errorf("kid %q key_ops lacks \"verify\"", k.KeyID)
		}
	}
	for _, alg := range algs {
		if keyFitsAlg(&k, alg) {
			return k, nil
		}
	}
	return jose.JSONWebKey{}, fmt.Errorf("kid %q (alg %q) fits no allowed algorithm %v", k.KeyID, k.Algorithm, algs)
}

// keyFitsAlg reports whether k may verify alg: the key's own alg, if any,
// is alg, and its type is EC P-256 for ES256 or RSA ≥ 2048 bits for RS256
// (JWT-01, JWT-02).
func keyFitsAlg(k *jose.JSONWebKey, alg string) bool {
	if k.Algorithm != "" && k.Algorithm != alg {
		return false
	}
	switch pub := k.Key.(type) {
	case *ecdsa.PublicKey:
		return alg == algES256 && pub.Curve == elliptic.P256()
	case *rsa.PublicKey:
		return alg == algRS256 && pub.N.BitLen() >= MinRSABits
	default:
		return false
	}
}

// ttl derives the freshness of a key set from Cache-Control max-age,
// clamped to [MinTTL, MaxTTL], with ±10 % jitter so that instances do not
// refetch in lockstep. No max-age (or no-cache / no-store) means MinTTL.
func (r *Registry) ttl(h http.Header) time.Duration {
	d := min(max(maxAge(h), r.opts.MinTTL), r.opts.MaxTTL)
	jitter := 0.9 + 0.2*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// maxAge returns the Cache-Control max-age, or 0 when absent, invalid or
// overridden by no-cache / no-store.
func maxAge(h http.Header) time.Duration {
	var age time.Duration
	for _, line := range h.Values("Cache-Control") {
		for _, dir := range strings.Split(line, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(dir), "=")
			switch strings.ToLower(name) {
			case "no-cache", "no-store":
				return 0
			case "max-age":
				n, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64)
				if err == nil && n > 0 && n < int64(365*24*time.Hour/time.Second) {
					age = time.Duration(n) * time.Second
				}
			}
		}
	}
	return age
}

// kidsOf lists the kids of a persisted key set document.
func kidsOf(doc []byte) []string {
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if len(doc) == 0 || json.Unmarshal(doc, &set) != nil {
		return nil
	}
	out := make([]string, 0, len(set.Keys))
	for _, k := range set.Keys {
		out = append(out, k.KID)
	}
	return out
}
