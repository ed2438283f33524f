package idprole

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/oauth"
)

// DPoP proof rules at the token endpoint (RFC 9449 §4.3; SPEC IDP-30).
const (
	dpopType      = "dpop+jwt"
	maxDPoPBytes  = 8 << 10
	dpopMaxAge    = 5 * time.Minute  // oldest acceptable iat
	dpopMaxFuture = 60 * time.Second // clock skew for an iat ahead of ours
	nonceWindow   = 5 * time.Minute
)

// dpopAlgs returns the accepted proof algorithms: asymmetric only.
func dpopAlgs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.PS256}
}

func dpopAlgNames() []string {
	var out []string
	for _, a := range dpopAlgs() {
		out = append(out, string(a))
	}
	return out
}

// dpopProof is a verified proof whose jti has not been consumed yet.
type dpopProof struct {
	jkt, jti string
	iat      time.Time
}

// dpopClaims are the proof's claims.
type dpopClaims struct {
	JTI   string      `json:"jti"`
	HTM   string      `json:"htm"`
	HTU   string      `json:"htu"`
	IAT   json.Number `json:"iat"`
	Nonce string      `json:"nonce"`
}

// checkDPoP verifies the DPoP proof of the request, if it carries one: a
// single header, typ dpop+jwt, an asymmetric alg, a public jwk in the
// header that verifies the signature, htm POST, htu this token endpoint,
// a recent iat and, when configured, our nonce. No header: nil, nil.
func (s *Server) checkDPoP(r *http.Request) (*dpopProof, error) {
	hs := r.Header.Values("DPoP")
	switch {
	case len(hs) == 0:
		return nil, nil
	case len(hs) > 1:
		return nil, oauth.InvalidDPoPProof("multiple_dpop_headers")
	case len(hs[0]) > maxDPoPBytes:
		return nil, oauth.InvalidDPoPProof("dpop_too_large")
	}
	jwk, payload, err := verifyProofJWS(hs[0])
	if err != nil {
		return nil, err
	}
	var c dpopClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, oauth.InvalidDPoPProof("dpop_bad_claims")
	}
	iat, err := s.checkProofClaims(c)
	if err != nil {
		return nil, err
	}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, oauth.InvalidDPoPProof("dpop_bad_jwk")
	}
	return &dpopProof{jkt: base64.RawURLEncoding.EncodeToString(tp), jti: c.JTI, iat: iat}, nil
}

// verifyProofJWS checks the proof's header and signature and returns the
// header's key and the verified payload.
func verifyProofJWS(raw string) (*jose.JSONWebKey, []byte, error) {
	jws, err := jose.ParseSigned(raw, dpopAlgs())
	if err != nil || len(jws.Signatures) != 1 {
		return nil, nil, oauth.InvalidDPoPProof("dpop_malformed")
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != dpopType {
		return nil, nil, oauth.InvalidDPoPProof("dpop_wrong_typ")
	}
	jwk := h.JSONWebKey
	if jwk == nil || !jwk.Valid() || !jwk.IsPublic() {
		return nil, nil, oauth.InvalidDPoPProof("dpop_bad_jwk")
	}
	if k, ok := jwk.Key.(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
		return nil, nil, oauth.InvalidDPoPProof("dpop_weak_key")
	}
	payload, err := jws.Verify(jwk)
	if err != nil {
		return nil, nil, oauth.InvalidDPoPProof("dpop_bad_signature")
	}
	return jwk, payload, nil
}

// checkProofClaims applies RFC 9449 §4.3 steps 8-12 and returns iat.
func (s *Server) checkProofClaims(c dpopClaims) (time.Time, error) {
	if c.JTI == "" || len(c.JTI) > 256 {
		return time.Time{}, oauth.InvalidDPoPProof("dpop_bad_jti")
	}
	if c.HTM != http.MethodPost {
		return time.Time{}, oauth.InvalidDPoPProof("dpop_htm_mismatch")
	}
	if !sameHTU(c.HTU, s.ep.token) {
		return time.Time{}, oauth.InvalidDPoPProof("dpop_htu_mismatch")
	}
	secs, err := strconv.ParseInt(c.IAT.String(), 10, 64)
	if err != nil {
		return time.Time{}, oauth.InvalidDPoPProof("dpop_bad_iat")
	}
	iat, now := time.Unix(secs, 0), s.now()
	if iat.After(now.Add(dpopMaxFuture)) || now.Sub(iat) > dpopMaxAge {
		return time.Time{}, oauth.InvalidDPoPProof("dpop_iat_out_of_window")
	}
	if s.cfg.RequireDPoPNonce && !s.validNonce(c.Nonce, now) {
		return time.Time{}, oauth.UseDPoPNonce("dpop_nonce_required")
	}
	return iat, nil
}

// sameHTU compares htu with the endpoint URL ignoring query and fragment,
// with case-insensitive scheme and host (RFC 9449 §4.3 step 9).
func sameHTU(htu, endpoint string) bool {
	u, err := url.Parse(htu)
	if err != nil {
		return false
	}
	e, _ := url.Parse(endpoint)
	return strings.EqualFold(u.Scheme, e.Scheme) && strings.EqualFold(u.Host, e.Host) && u.Path == e.Path
}

// consumeProof records the proof's jti, per key, so a proof is used once
// (RFC 9449 §11.1).
func (s *Server) consumeProof(ctx context.Context, p *dpopProof) error {
	if p == nil {
		return nil
	}
	err := s.st.consumeJTI(ctx, "dpop", p.jkt+"\x00"+p.jti, p.iat.Add(dpopMaxAge+dpopMaxFuture), s.now())
	if errors.Is(err, errConflict) {
		return oauth.InvalidDPoPProof("dpop_replay")
	}
	return err
}

// dpopNonce is the server nonce for the window containing t: a MAC of the
// window number, so every instance sharing the data directory agrees.
func (s *Server) dpopNonce(t time.Time) string {
	m := hmac.New(sha256.New, s.nonceKey)
	m.Write([]byte(strconv.FormatInt(t.Unix()/int64(nonceWindow/time.Second), 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validNonce accepts the nonce of the current or the previous window.
func (s *Server) validNonce(n string, now time.Time) bool {
	if n == "" {
		return false
	}
	return hmac.Equal([]byte(n), []byte(s.dpopNonce(now))) || hmac.Equal([]byte(n), []byte(s.dpopNonce(now.Add(-nonceWindow))))
}
