// Package assertion validates ID-JAGs (Identity Assertion JWT Authorization Grants,
// draft-ietf-oauth-identity-assertion-authz-grant) presented with the RFC 7523 jwt-bearer grant.
//
// It owns steps 9-20 of the SPEC B.2 pipeline: size cap, strict JWS Compact parsing, JOSE header
// hardening (JWT-01..12), the trusted issuer lookup, key resolution by kid from that issuer's key set,
// signature verification, and the aud, exp, iat, nbf, jti, sub and client_id checks, all against an
// injected clock. Cheap checks run first; the issuer is looked up before any key is resolved, so an
// unknown issuer never causes network traffic. Resource, scope, policy and replay checks belong to the
// caller (package grant).
//
// The package depends on nothing internal: it declares the interfaces it consumes (IssuerLookup,
// KeyResolver) and package idp implements them. Every failure wraps one exported sentinel error;
// Reason maps an error to a stable snake_case code for audit records and metrics.
package assertion
