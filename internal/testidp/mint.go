package testidp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/secret"
)

// Grant describes an ID-JAG to mint. Zero fields take sound defaults; each
// field is a knob for one defect.
type Grant struct {
	// Audience is the aud claim (string or []string); required.
	Audience any
	ClientID string
	Subject  string
	// Resource is the resource claim (string or []string); nil omits it.
	Resource any
	// Scope is the scope claim; "" omits it.
	Scope string
	// Now is the minting time (default time.Now()); Lifetime exp − iat
	// (default 5 minutes).
	Now      time.Time
	Lifetime time.Duration
	// IssuedAt/Expiry, when set, override the computed values.
	IssuedAt, Expiry time.Time
	// JTI defaults to a fresh random value.
	JTI string
	// Issuer overrides the IdP's issuer.
	Issuer string
	// Extra claims are merged last (groups, email, amr, acr, auth_time, …);
	// Omit deletes claims after that.
	Extra map[string]any
	Omit  []string

	// Typ overrides the header typ ("-" omits it).
	Typ string
	// Alg overrides the header alg name (the signature still uses the key).
	Alg string
	// Kid overrides the header kid ("-" omits it).
	Kid string
	// Key signs instead of the IdP's current key.
	Key *Key
	// Header adds header members (crit, jku, …).
	Header map[string]any
	// Unsigned produces alg none with an empty signature.
	Unsigned bool
}

// Mint returns a compact ID-JAG.
func (p *IdP) Mint(g Grant) string {
	k := p.SigningKey()
	if g.Key != nil {
		k = *g.Key
	}
	return Sign(k, header(g, k), p.claims(g))
}

func header(g Grant, k Key) map[string]any {
	h := map[string]any{"alg": string(k.Alg), "typ": "oauth-id-jag+jwt", "kid": k.Kid}
	if g.Typ == "-" {
		delete(h, "typ")
	} else if g.Typ != "" {
		h["typ"] = g.Typ
	}
	if g.Kid == "-" {
		delete(h, "kid")
	} else if g.Kid != "" {
		h["kid"] = g.Kid
	}
	if g.Alg != "" {
		h["alg"] = g.Alg
	}
	if g.Unsigned {
		h["alg"] = "none"
	}
	for n, v := range g.Header {
		h[n] = v
	}
	return h
}

func (p *IdP) claims(g Grant) map[string]any {
	now := g.Now
	if now.IsZero() {
		now = time.Now()
	}
	life := g.Lifetime
	if life == 0 {
		life = 5 * time.Minute
	}
	iat, exp := now, now.Add(life)
	if !g.IssuedAt.IsZero() {
		iat = g.IssuedAt
	}
	if !g.Expiry.IsZero() {
		exp = g.Expiry
	}
	c := map[string]any{
		"iss": p.Issuer, "sub": g.Subject, "aud": g.Audience, "client_id": g.ClientID,
		"jti": g.JTI, "iat": iat.Unix(), "exp": exp.Unix(),
	}
	if g.Issuer != "" {
		c["iss"] = g.Issuer
	}
	if g.JTI == "" {
		c["jti"] = secret.ID()
	}
	if g.Resource != nil {
		c["resource"] = g.Resource
	}
	if g.Scope != "" {
		c["scope"] = g.Scope
	}
	for n, v := range g.Extra {
		c[n] = v
	}
	for _, n := range g.Omit {
		delete(c, n)
	}
	return c
}

// Sign assembles a compact JWS over the JSON of hdr and claims, signed by k
// (an empty signature when hdr's alg is none).
func Sign(k Key, hdr, claims map[string]any) string {
	hb, _ := json.Marshal(hdr)
	cb, _ := json.Marshal(claims)
	return SignRaw(k, hb, cb, hdr["alg"] == "none")
}

// SignRaw signs exact header and payload bytes, for malformed-JSON cases.
func SignRaw(k Key, hdr, payload []byte, unsigned bool) string {
	in := b64(hdr) + "." + b64(payload)
	if unsigned {
		return in + "."
	}
	sum := sha256.Sum256([]byte(in))
	var sig []byte
	switch pri := k.Pri.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, pri, sum[:])
		if err != nil {
			panic(err)
		}
		sig = append(pad32(r), pad32(s)...)
	case *rsa.PrivateKey:
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, pri, crypto.SHA256, sum[:]); err != nil {
			panic(err)
		}
	}
	return in + "." + b64(sig)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func pad32(n *big.Int) []byte {
	out := make([]byte, 32)
	return n.FillBytes(out)
}

// PublicJWK is k's public key as a JWK (for client registrations).
func (k Key) PublicJWK() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.Pri.Public(), KeyID: k.Kid, Algorithm: string(k.Alg), Use: "sig"}
}
