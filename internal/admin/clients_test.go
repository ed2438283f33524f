package admin

import (
	"context"
	"crypto/elliptic"
	"net/http"
	"strings"
	"testing"

	"github.com/authplane/authplane/internal/storage"
)

func TestCAUTH02_ClientLifecycleSecretShownOnceStoredHashed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	var created ClientCreated
	e.call("POST", "/admin/v1/clients", clientObj("agent-1")).must(t, http.StatusCreated, &created)
	if created.ClientSecret == "" || created.ID != "agent-1" || created.CreatedAt.IsZero() {
		t.Fatalf("created = %+v", created)
	}
	stored, err := e.store.GetClient(ctx, "agent-1")
	if err != nil {
		t.Fatal(err)
	}
	if !e.hasher.Verify(created.ClientSecret, stored.SecretHash) {
		t.Fatal("stored hash does not verify the returned secret")
	}
	ev := e.oneEvent(0, "admin.client.create")
	if ev.Before != nil || imageOf(t, ev.After)["id"] != "agent-1" || ev.ClientID != "agent-1" {
		t.Fatalf("create event before=%s after=%s client=%q", ev.Before, ev.After, ev.ClientID)
	}

	var got ClientDTO
	e.call("GET", "/admin/v1/clients/agent-1", nil).must(t, http.StatusOK, &got)
	if got.ID != "agent-1" || got.TokenEndpointAuthMethod != storage.AuthClientSecretBasic || !*got.Enabled {
		t.Fatalf("got = %+v", got)
	}
	if r := e.call("GET", "/admin/v1/clients/agent-1", nil); strings.Contains(string(r.body), created.ClientSecret) {
		t.Fatal("GET shows the secret")
	}

	var list ListResult[ClientDTO]
	e.call("GET", "/admin/v1/clients", nil).must(t, http.StatusOK, &list)
	if len(list.Items) != 1 || list.NextCursor != "" {
		t.Fatalf("list = %+v", list)
	}

	var updated ClientCreated
	e.call("PUT", "/admin/v1/clients/agent-1", clientObj("agent-1").with("name", "Renamed", "id", absent)).
		must(t, http.StatusOK, &updated)
	if updated.Name != "Renamed" || updated.ClientSecret != "" || !updated.CreatedAt.Equal(created.CreatedAt) {
		t.Fatalf("updated = %+v", updated)
	}
	ev = e.oneEvent(1, "admin.client.update")
	if imageOf(t, ev.Before)["name"] != "Client agent-1" || imageOf(t, ev.After)["name"] != "Renamed" {
		t.Fatalf("update event before=%s after=%s", ev.Before, ev.After)
	}

	e.call("DELETE", "/admin/v1/clients/agent-1", nil).must(t, http.StatusNoContent, nil)
	ev = e.oneEvent(2, "admin.client.delete")
	if ev.After != nil || imageOf(t, ev.Before)["id"] != "agent-1" {
		t.Fatalf("delete event before=%s after=%s", ev.Before, ev.After)
	}
	e.call("GET", "/admin/v1/clients/agent-1", nil).problem(t, http.StatusNotFound, "not-found")
	e.call("DELETE", "/admin/v1/clients/agent-1", nil).problem(t, http.StatusNotFound, "not-found")
	assertNoSecret(t, e.hasher, created.ClientSecret, e.events())
}

func TestCAUTH07_ClientSecretRotation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var created ClientCreated
	e.call("POST", "/admin/v1/clients", clientObj("agent-1")).must(t, http.StatusCreated, &created)
	var rotated ClientSecret
	e.call("POST", "/admin/v1/clients/agent-1/secret", nil).must(t, http.StatusOK, &rotated)
	if rotated.ClientID != "agent-1" || rotated.ClientSecret == "" || rotated.ClientSecret == created.ClientSecret {
		t.Fatalf("rotated = %+v", rotated)
	}
	stored, err := e.store.GetClient(ctx, "agent-1")
	if err != nil || e.hasher.Verify(created.ClientSecret, stored.SecretHash) || !e.hasher.Verify(rotated.ClientSecret, stored.SecretHash) {
		t.Fatalf("rotation did not replace the secret (%v)", err)
	}
	ev := e.oneEvent(1, "admin.client.rotate_secret")
	if imageOf(t, ev.Before)["id"] != "agent-1" || imageOf(t, ev.After)["id"] != "agent-1" {
		t.Fatalf("rotation event before=%s after=%s", ev.Before, ev.After)
	}
	assertNoSecret(t, e.hasher, created.ClientSecret, e.events())
	assertNoSecret(t, e.hasher, rotated.ClientSecret, e.events())
	e.call("POST", "/admin/v1/clients/ghost/secret", nil).problem(t, http.StatusNotFound, "not-found")
}

func TestCAUTH05_PrivateKeyJWTClient(t *testing.T) {
	e := newEnv(t)
	jwks := jwksOf(t, &ecKey(t, elliptic.P256()).PublicKey, &rsaKey(t, 2048).PublicKey)
	body := clientObj("pk").with("token_endpoint_auth_method", "private_key_jwt", "jwks", jwks)
	var created ClientCreated
	e.call("POST", "/admin/v1/clients", body).must(t, http.StatusCreated, &created)
	if created.ClientSecret != "" || created.JWKS == nil {
		t.Fatalf("created = %+v", created)
	}
	stored, _ := e.store.GetClient(context.Background(), "pk")
	if len(stored.SecretHash) != 0 {
		t.Fatal("private_key_jwt client has a secret hash")
	}
	e.call("POST", "/admin/v1/clients/pk/secret", nil).problem(t, http.StatusBadRequest, "invalid-request")

	// Switching to a secret method issues a secret, shown once.
	var switched ClientCreated
	e.call("PUT", "/admin/v1/clients/pk", clientObj("pk")).must(t, http.StatusOK, &switched)
	if switched.ClientSecret == "" {
		t.Fatal("switch to client_secret_basic returned no secret")
	}
	assertNoSecret(t, e.hasher, switched.ClientSecret, e.events())
}

func TestClientValidation(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/admin/v1/idps", idpObj("okta", "https://idp.example.com")).must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/clients", clientObj("taken")).must(t, http.StatusCreated, nil)
	pk := clientObj("pk").with("token_endpoint_auth_method", "private_key_jwt")
	ec := &ecKey(t, elliptic.P256()).PublicKey
	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"unknown field", clientObj("c").with("secret", "x"), 400, []string{"secret"}},
		{"empty id", clientObj(""), 400, []string{"id"}},
		{"id with space", clientObj("a b"), 400, []string{"id"}},
		{"https id reserved for CIMD", clientObj("https://client.example.com"), 400, []string{"id"}},
		{"unknown grant type", clientObj("c").with("grant_types", []string{"authorization_code"}), 400, []string{"grant_types[0]"}},
		{"unknown auth method", clientObj("c").with("token_endpoint_auth_method", "client_secret_jwt"), 400, []string{"token_endpoint_auth_method"}},
		{"jwks on secret client", clientObj("c").with("jwks", jwksOf(t, ec)), 400, []string{"jwks"}},
		{"private_key_jwt without keys", pk, 400, []string{"jwks"}},
		{"private_key_jwt with both", pk.with("jwks", jwksOf(t, ec), "jwks_uri", "https://c.example.com/jwks"), 400, []string{"jwks_uri"}},
		{"private key in jwks", pk.with("jwks", jwksOf(t, ecKey(t, elliptic.P256()))), 400, []string{"jwks.keys[0]"}},
		{"P-384 key", pk.with("jwks", jwksOf(t, &ecKey(t, elliptic.P384()).PublicKey)), 400, []string{"jwks.keys[0]"}},
		{"RSA 1024 key", pk.with("jwks", jwksOf(t, &rsaKey(t, 1024).PublicKey)), 400, []string{"jwks.keys[0]"}},
		{"not a JWK Set", pk.with("jwks", obj{"kty": "EC"}), 400, []string{"jwks"}},
		{"http jwks_uri", pk.with("jwks_uri", "http://c.example.com/jwks"), 400, []string{"jwks_uri"}},
		{"http loopback jwks_uri without insecure flag", pk.with("jwks_uri", "http://127.0.0.1:9/jwks"), 400, []string{"jwks_uri"}},
		{"relative jwks_uri", pk.with("jwks_uri", "/jwks"), 400, []string{"jwks_uri"}},
		{"unknown allowed IdP", clientObj("c").with("allowed_idps", []string{"okta", "nope"}), 400, []string{"allowed_idps[1]"}},
		{"duplicate allowed IdP", clientObj("c").with("allowed_idps", []string{"okta", "okta"}), 400, []string{"allowed_idps[1]"}},
		{"wrong type", clientObj("c").with("enabled", "yes"), 400, []string{"enabled"}},
		{"every problem at once", clientObj("a b").with("grant_types", []string{"x"}, "allowed_idps", []string{"nope"}),
			400, []string{"id", "grant_types[0]", "allowed_idps[0]"}},
		{"duplicate id", clientObj("taken"), 409, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(e.events())
			r := e.call("POST", "/admin/v1/clients", tc.body)
			slug := map[int]string{400: "invalid-request", 409: "conflict"}[tc.status]
			p := r.problem(t, tc.status, slug)
			requireFields(t, p, tc.fields...)
			e.noEvents(n)
		})
	}
}

func TestClientUpdateRejectsOtherID(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/admin/v1/clients", clientObj("a")).must(t, http.StatusCreated, nil)
	p := e.call("PUT", "/admin/v1/clients/a", clientObj("b")).problem(t, http.StatusBadRequest, "invalid-request")
	requireFields(t, p, "id")
	e.call("PUT", "/admin/v1/clients/missing", clientObj("missing")).problem(t, http.StatusNotFound, "not-found")
}

func TestNET01_LoopbackJWKSURIOnlyWhenInsecure(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.InsecureAllowLoopback = true })
	body := clientObj("pk").with("token_endpoint_auth_method", "private_key_jwt", "jwks_uri", "http://127.0.0.1:8080/jwks")
	e.call("POST", "/admin/v1/clients", body).must(t, http.StatusCreated, nil)
	p := e.call("POST", "/admin/v1/clients", body.with("id", "pk2", "jwks_uri", "http://example.com/jwks")).
		problem(t, http.StatusBadRequest, "invalid-request")
	requireFields(t, p, "jwks_uri")
}

func TestClientIDWithSlashIsPathEscaped(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/admin/v1/clients", clientObj("team/agent")).must(t, http.StatusCreated, nil)
	var got ClientDTO
	e.call("GET", "/admin/v1/clients/team%2Fagent", nil).must(t, http.StatusOK, &got)
	if got.ID != "team/agent" {
		t.Fatalf("got id %q", got.ID)
	}
	e.call("POST", "/admin/v1/clients/team%2Fagent/secret", nil).must(t, http.StatusOK, nil)
}
