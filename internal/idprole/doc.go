// Package idprole is the IdP role of AuthPlane (`authplane idp serve`): a
// separate process and trust domain that plays the enterprise identity
// provider, so teams can try Cross-App Access without an IdP that already
// mints ID-JAGs (DESIGN.md §3, SPEC part A).
//
// It owns its own SQLite database and key-encryption key in its data
// directory (default ./authplane-idp-data), and serves:
//
//   - OIDC discovery and RFC 8414 metadata, and the JWKS of its ES256
//     signing keys (sealed at rest by package keys);
//   - the authorization code flow with PKCE S256 and a plain HTML sign-in
//     page for local users (passwords hashed with PBKDF2-SHA256), which
//     yields ID tokens (typ JWT, amr and auth_time set) and an access token
//     for userinfo;
//   - the RFC 8693 token exchange that turns an ID token issued to an app
//     into an ID-JAG (typ oauth-id-jag+jwt, at most five minutes) for a
//     registered resource AS, under enterprise policy evaluated by package
//     policy, with optional DPoP binding (cnf.jkt);
//   - its own audit trail of sign-ins, code redemptions, exchanges
//     (granted or denied, with the reason) and admin changes. Tokens,
//     passwords and secrets are never logged or audited, only jtis.
//
// Subject-token errors are invalid_grant (SPEC A.5 DECISION: this deviates
// from RFC 8693 §2.2.2, which says invalid_request, to match IDJAG
// §4.3.4.3, the EMA examples and the MCP conformance mock IdP).
package idprole
