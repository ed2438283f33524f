// Package mcpauth is the resource-server kit for MCP servers protected by
// AuthPlane (SPEC C.5, MCP-27..MCP-37; D.9 AT-05). It plugs into the
// official MCP Go SDK (github.com/modelcontextprotocol/go-sdk): verified
// tokens reach tool handlers as the SDK's *auth.TokenInfo, through the same
// request-context key auth.RequireBearerToken uses, so the SDK's streamable
// HTTP handler binds sessions to the token's subject and fills
// CallToolRequest.Extra.TokenInfo.
//
// A Kit, built with New, provides:
//
//   - MetadataHandler and MetadataPath: the RFC 9728 Protected Resource
//     Metadata document at the path-suffixed well-known URL, naming
//     AuthPlane as the authorization server (MCP-27, MCP-28, MCP-29);
//   - Verifier: an auth.TokenVerifier for AuthPlane access tokens: compact
//     JWS, ES256, typ at+jwt, iss, aud equal to this resource, exp/nbf
//     against the injected clock, no DPoP-bound token as Bearer (AT-05,
//     MCP-31, MCP-35, MCP-37), keys fetched from AuthPlane's JWKS through
//     the SSRF-guarded client, cached by Cache-Control and refetched at most
//     once per 30 s on an unknown kid; optionally RFC 7662 introspection so
//     revoked tokens are refused;
//   - Middleware: bearer-token enforcement answering 401 with
//     WWW-Authenticate: Bearer error="invalid_token", resource_metadata and
//     scope; 403 insufficient_scope; 400 invalid_request for a malformed
//     Authorization header (MCP-28, MCP-30..MCP-34). Only the
//     Authorization header carries a token; a token in the query string
//     never counts (MCP-32);
//   - ToolScopes and RequireScopes/CheckScopes: per-tool scope checks, at the
//     HTTP layer for JSON-RPC tools/call requests (403 with the scopes
//     needed, MCP-33) and inside tool handlers.
//
// The SDK's own auth.RequireBearerToken omits error="invalid_token" from its
// challenge and checks expiry with the wall clock, so Middleware performs
// every check itself and uses the SDK middleware only to install the
// verified TokenInfo in the request context.
package mcpauth
