package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/authplane/authplane/internal/testidp"
)

// idpServer is the bench's enterprise IdP: one ES256 or RS256 key whose JWKS is
// served over plain http on 127.0.0.1 (accepted by a server running with
// insecure_allow_loopback). Nothing else is served: the IdP's registration
// names the JWKS URL, so no discovery happens.
type idpServer struct {
	key    testidp.Key
	issuer string
	srv    *http.Server
}

// startIdP listens on a free loopback port and serves the key set of a
// new key for alg.
func startIdP(alg string) (*idpServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: IdP listener: %w", err)
	}
	p := &idpServer{key: testidp.NewKey(jose.SignatureAlgorithm(alg)), issuer: "http://" + ln.Addr().String()}
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{p.key.PublicJWK()}})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("bench: IdP key set: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Header().Set("Cache-Control", "max-age=3600")
		_, _ = w.Write(set)
	})
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// jwksURI is where the key set is served.
func (p *idpServer) jwksURI() string { return p.issuer + "/jwks" }

// close stops the server.
func (p *idpServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = p.srv.Shutdown(ctx)
}

// idJAGClaims are the claims of a bench ID-JAG: everything the jwt-bearer
// pipeline checks, with a fresh jti.
type idJAGClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	ClientID string `json:"client_id"`
	JTI      string `json:"jti"`
	IssuedAt int64  `json:"iat"`
	Expiry   int64  `json:"exp"`
	Resource string `json:"resource"`
	Scope    string `json:"scope"`
}

// clientAssertionClaims are the claims of a private_key_jwt client
// assertion (RFC 7523 §2.2).
type clientAssertionClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	JTI      string `json:"jti"`
	IssuedAt int64  `json:"iat"`
	Expiry   int64  `json:"exp"`
}

// signJWS signs claims with k under a header of typ and k's alg and kid.
func signJWS(k testidp.Key, typ string, claims any) (string, error) {
	hdr, err := json.Marshal(map[string]string{"alg": string(k.Alg), "kid": k.Kid, "typ": typ})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return testidp.SignRaw(k, hdr, payload, false), nil
}
