// Package idp is the trusted-IdP registry (DESIGN.md §3): which enterprise
// IdPs AuthPlane accepts ID-JAGs from, and the per-IdP cache of their
// signing keys. Registry implements assertion.IssuerLookup and
// assertion.KeyResolver.
//
// Trust: only enabled IdPs are trusted; the issuer is matched by exact
// string comparison before any network traffic (SPEC B.2 step 13). Update
// swaps the whole set atomically, so disabling an IdP takes effect on the
// next request.
//
// Keys (B.2 step 14, RAS-29, NET-04): a key is taken only from the key set
// of the IdP that issued the assertion, fetched through the SSRF-guarded
// client from the configured jwks_uri or from the one found once by RFC 8414
// / OIDC discovery on the issuer (whose metadata must name the same issuer).
// Entries are filtered (use sig, allowed alg, EC P-256 for ES256, RSA ≥ 2048
// bits for RS256, public material only). Fetches are single-flight per IdP,
// fresh for the Cache-Control max-age clamped to [MinTTL, MaxTTL] with ±10 %
// jitter, and an unknown kid triggers at most one refetch per
// RefetchInterval per IdP. A failed fetch never replaces the last-known-good
// keys, which are served until MaxStale after they were fetched; they are
// persisted in the store (storage.IdPKeyState) so that a restart during an
// IdP outage still verifies, and so that Status reads the same on every
// instance. With no usable keys a resolution fails with
// assertion.ErrKeysUnavailable and nothing is cached from the failure.
package idp
