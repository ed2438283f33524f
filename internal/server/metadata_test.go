package server

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestMETA01_MetadataGolden: both well-known URLs serve the same RFC 8414
// document (META-05), with the ID-JAG profile and the jwt-bearer grant
// (RAS-20, RAS-21), the union of resource scopes, and never the trusted IdPs
// (RAS-22).
func TestMETA01_MetadataGolden(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.standardSetup()
	resp, body := get(t, e.pub+"/.well-known/oauth-authorization-server")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	golden(t, "metadata.golden.json", body)
	_, oidc := get(t, e.pub+"/.well-known/openid-configuration")
	if !bytes.Equal(body, oidc) {
		t.Fatal("META-05: the two documents differ")
	}
	if strings.Contains(string(body), e.idp.Issuer) {
		t.Fatal("RAS-22: metadata discloses a trusted IdP")
	}
	var md map[string]any
	if err := json.Unmarshal(body, &md); err != nil || md["issuer"] != testIssuer {
		t.Fatalf("issuer: %v %v", md["issuer"], err)
	}
}

// TestAT01_JWKSShape checks the published key set's shape (golden, with the
// key material elided).
func TestAT01_JWKSShape(t *testing.T) {
	e := newEnv(t, envOpts{})
	resp, body := get(t, e.pub+"/.well-known/jwks.json")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/jwk-set+json" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		for _, f := range []string{"kid", "x", "y"} {
			if s, _ := k[f].(string); s == "" {
				t.Fatalf("key lacks %s", f)
			}
			k[f] = "<" + f + ">"
		}
		if _, private := k["d"]; private {
			t.Fatal("JWKS publishes private key material")
		}
	}
	shape, _ := json.MarshalIndent(set, "", "  ")
	golden(t, "jwks.golden.json", append(shape, '\n'))
}
