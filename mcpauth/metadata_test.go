package mcpauth

import (
	"bytes"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMCP29_MetadataPathAndURL(t *testing.T) {
	cases := []struct {
		resource, path, url string
	}{
		{"https://mcp.example.com/github", "/.well-known/oauth-protected-resource/github",
			"https://mcp.example.com/.well-known/oauth-protected-resource/github"},
		{"https://mcp.example.com/tools/github/", "/.well-known/oauth-protected-resource/tools/github/",
			"https://mcp.example.com/.well-known/oauth-protected-resource/tools/github/"},
		{"https://mcp.example.com", "/.well-known/oauth-protected-resource",
			"https://mcp.example.com/.well-known/oauth-protected-resource"},
		{"https://mcp.example.com/", "/.well-known/oauth-protected-resource",
			"https://mcp.example.com/.well-known/oauth-protected-resource"},
		{"https://mcp.example.com:8443/a%20b", "/.well-known/oauth-protected-resource/a%20b",
			"https://mcp.example.com:8443/.well-known/oauth-protected-resource/a%20b"},
	}
	for _, tc := range cases {
		t.Run(tc.resource, func(t *testing.T) {
			k, err := New(Config{Resource: tc.resource, Issuer: "https://as.example.com"})
			if err != nil {
				t.Fatal(err)
			}
			if k.MetadataPath() != tc.path || k.MetadataURL() != tc.url {
				t.Fatalf("path %q url %q, want %q %q", k.MetadataPath(), k.MetadataURL(), tc.path, tc.url)
			}
		})
	}
}

func TestMCP27_MetadataDocumentGolden(t *testing.T) {
	k, err := New(Config{Resource: testResource, Issuer: "https://as.example.com",
		ScopesSupported: []string{"repo:read", "issues:write"}, ResourceName: "GitHub tools"})
	if err != nil {
		t.Fatal(err)
	}
	w := serve(k.MetadataHandler(), httptest.NewRequest(http.MethodGet, k.MetadataPath(), nil))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", w.Code, w.Header().Get("Content-Type"))
	}
	golden := filepath.Join("testdata", "prm.golden")
	if *update {
		if err := os.WriteFile(golden, w.Body.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Body.Bytes(), want) {
		t.Fatalf("metadata =\n%s\nwant (testdata/prm.golden, -update to rewrite)\n%s", w.Body.Bytes(), want)
	}
	if w := serve(k.MetadataHandler(), httptest.NewRequest(http.MethodPost, k.MetadataPath(), nil)); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d", w.Code)
	}
}

// TestMCP28_ChallengeLeadsToMetadata follows a 401's resource_metadata the
// way an SDK client does and checks the document it finds (MCP-28, MCP-29).
func TestMCP28_ChallengeLeadsToMetadata(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	resource := srv.URL + "/mcp"
	f := newFixture(t, func(c *Config) { c.Resource = resource })
	var s seen
	mux.Handle(f.kit.MetadataPath(), f.kit.MetadataHandler())
	mux.Handle("/mcp", f.kit.Middleware()(s.handler()))

	resp, err := srv.Client().Post(resource, "application/json", bytes.NewReader([]byte("{}")))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	chs, err := oauthex.ParseWWWAuthenticate(resp.Header.Values("WWW-Authenticate"))
	if err != nil || resp.StatusCode != http.StatusUnauthorized || len(chs) != 1 {
		t.Fatalf("status %d, challenges %v, err %v", resp.StatusCode, chs, err)
	}
	prm, err := oauthex.GetProtectedResourceMetadata(t.Context(), chs[0].Params["resource_metadata"], resource, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if prm.Resource != resource || len(prm.AuthorizationServers) != 1 || prm.AuthorizationServers[0] != f.as.URL {
		t.Fatalf("metadata = %+v", prm)
	}
	if len(prm.BearerMethodsSupported) != 1 || prm.BearerMethodsSupported[0] != "header" {
		t.Errorf("bearer_methods_supported = %v (MCP-32)", prm.BearerMethodsSupported)
	}
}
