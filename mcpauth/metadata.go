package mcpauth

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// wellKnownPRM is the RFC 9728 §3 well-known path segment.
const wellKnownPRM = "/.well-known/oauth-protected-resource"

// Metadata returns the RFC 9728 Protected Resource Metadata this kit
// publishes (MCP-27, MCP-29): resource is exactly Config.Resource,
// authorization_servers is [Config.Issuer], tokens are accepted in the
// Authorization header only (MCP-32).
func (k *Kit) Metadata() *oauthex.ProtectedResourceMetadata {
	return &oauthex.ProtectedResourceMetadata{
		Resource:               k.cfg.Resource,
		AuthorizationServers:   []string{k.cfg.Issuer},
		ScopesSupported:        slices.Clone(k.cfg.ScopesSupported),
		BearerMethodsSupported: []string{"header"},
		ResourceName:           k.cfg.ResourceName,
	}
}

// MetadataHandler serves Metadata as JSON (GET, with CORS for browser-based
// clients, via the SDK's auth.ProtectedResourceMetadataHandler). Mount it
// at MetadataPath on the MCP server's host (MCP-28).
func (k *Kit) MetadataHandler() http.Handler {
	inner := auth.ProtectedResourceMetadataHandler(k.Metadata())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		inner.ServeHTTP(w, r)
	})
}

// MetadataPath is the path of the metadata document: the well-known
// segment inserted before the resource's path (RFC 9728 §3.1), e.g.
// "/.well-known/oauth-protected-resource/github" for
// "https://mcp.example.com/github", and the root form
// "/.well-known/oauth-protected-resource" for a resource without a path.
func (k *Kit) MetadataPath() string { return metadataPath(k.resource) }

// MetadataURL is the absolute URL of the metadata document, the value of
// resource_metadata in challenges (MCP-28).
func (k *Kit) MetadataURL() string { return k.metadataURL }

// Resource is the resource identifier the kit protects.
func (k *Kit) Resource() string { return k.cfg.Resource }

func metadataPath(res *url.URL) string {
	p := res.EscapedPath()
	if p == "/" {
		p = ""
	}
	return wellKnownPRM + p
}
