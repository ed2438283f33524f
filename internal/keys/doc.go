// Package keys owns AuthPlane's own token-signing keys: their generation
// (ES256 on P-256, kid = RFC 7638 thumbprint), their sealing at rest under the
// key-encryption key (AES-256-GCM, AAD = kid), rotation with an overlap
// window, and the public JWK Set published at /.well-known/jwks.json
// (SPEC AT-01: "publish keys at jwks_uri with kid; rotate with overlap").
//
// The Manager keeps an immutable snapshot of the keys behind an atomic
// pointer, so the token hot path (Signer) and the JWKS endpoint never touch
// the store. Every instance sharing a store converges on the same signer by
// calling Reload when the store generation changes.
//
// Private keys never leave this package in clear except as the
// crypto.Signer returned by Signer, and are never logged.
package keys
