package admin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"maps"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// obj is a JSON object under construction; tests use maps so that null,
// [] and absent stay distinct.
type obj map[string]any

// with returns a copy of o with the given key/value pairs set; a value of
// absent deletes the key.
func (o obj) with(kv ...any) obj {
	c := maps.Clone(o)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == absent {
			delete(c, kv[i].(string))
			continue
		}
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

// absentT marks a key to delete in obj.with.
type absentT struct{}

var absent = absentT{}

func resourceObj(id, uri string, scopes ...string) obj {
	if scopes == nil {
		scopes = []string{}
	}
	return obj{"id": id, "uri": uri, "name": "Resource " + id, "scopes": scopes, "access_token_ttl": "10m", "enabled": true}
}

func idpObj(id, issuer string) obj {
	return obj{"id": id, "issuer": issuer, "allowed_algs": nil, "groups_claim": "groups", "enabled": true}
}

func clientObj(id string) obj {
	return obj{"id": id, "name": "Client " + id, "grant_types": []string{GrantJWTBearer},
		"token_endpoint_auth_method": "client_secret_basic", "allowed_idps": nil, "enabled": true}
}

func policyObj(id string) obj {
	return obj{"id": id, "description": "test rule", "effect": "allow", "idps": nil, "clients": nil,
		"resources": nil, "groups_any": nil, "subjects": nil, "scopes": nil, "enabled": true}
}

// jwksOf returns a JWK Set JSON document of the public halves of keys.
func jwksOf(t *testing.T, keys ...any) json.RawMessage {
	t.Helper()
	set := jose.JSONWebKeySet{}
	for i, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k, KeyID: string(rune('a' + i)), Use: "sig"})
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ecKey(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func rsaKey(t *testing.T, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
