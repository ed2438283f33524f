// Package xaaclient is the example MCP client (the AI agent) of AuthPlane:
// the official MCP Go SDK's Enterprise Managed Authorization handler
// (auth/extauth.EnterpriseHandler) wired to an enterprise IdP and to
// AuthPlane, with an ID-token fetcher that signs the user in at the IdP.
//
// On the MCP server's first 401 the SDK runs the whole Cross-App Access
// chain: the fetcher's ID token → RFC 8693 token exchange at the IdP → ID-JAG
// → RFC 7523 jwt-bearer grant at AuthPlane → access token, then retries
// the request with it. The SDK sends the client secret in the request body
// (client_secret_post) at both servers and no resource parameter at
// AuthPlane (the ID-JAG names exactly one resource), so the agent's client
// at AuthPlane must be registered with token_endpoint_auth_method
// client_secret_post.
//
// Fetcher signs in with the authorization code flow and PKCE S256 by
// filling in the dev IdP role's HTML sign-in form (internal/xaa.SignIn), as
// a browser would, and reuses the ID token until shortly before it
// expires. A production agent would open the user's browser instead.
package xaaclient
