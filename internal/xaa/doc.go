// Package xaa is the client side of Cross-App Access, step by step, for the
// operator CLI (`authplane xaa`), the demo and the examples: sign in at an
// IdP (authorization code + PKCE, driving the dev IdP role's HTML form),
// exchange the ID token for an ID-JAG (RFC 8693), present the ID-JAG to the
// resource authorization server (RFC 7523 jwt-bearer), and decode and check
// every artefact on the way so that a failing deployment says where and why.
//
// The protocol requests reuse golang.org/x/oauth2 and the MCP Go SDK's
// oauthex package; this package adds the steps' bookkeeping and the
// explanations.
package xaa
