// Package token mints and verifies AuthPlane's access tokens: JWTs per
// RFC 9068 with header typ "at+jwt", signed ES256 by the key the keys
// package designates (SPEC RAS-11, RAS-12, AT-01..AT-05).
//
// A token carries one audience, the MCP server it was issued for (RAS-11,
// AT-03), and the local subject; the IdP it came from is recorded as
// provenance in idp_iss / idp_id, never as act (which would claim a
// delegation that did not happen). Verification follows RFC 9068 §4 and the
// JOSE hardening rules of SPEC D.10: compact JWS only, ES256 only, explicit
// typing, kid looked up only in our own key set, strict JSON.
package token
