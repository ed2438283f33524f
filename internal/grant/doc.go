// Package grant is the token endpoint (POST /oauth/token) and its siblings,
// introspection (RFC 7662) and revocation (RFC 7009).
//
// Handler owns what every grant shares, in the order of SPEC B.2 rows 1-6:
// method, content type, body cap, the strict form (TEP-01), grant_type,
// exactly one client-authentication mechanism (CAUTH-01) and client
// authentication itself. Each grant type is a Grant hook (jwtbearer.go);
// grants return *oauth.Error values and oauth.WriteError writes them.
package grant
