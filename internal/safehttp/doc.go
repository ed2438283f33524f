// Package safehttp is AuthPlane's only outbound HTTP client for documents
// named by configuration or by a peer: trusted-IdP discovery metadata and
// JWKS today, CIMD documents and client jwks_uri later (SPEC D.11 NET-01..04,
// DESIGN.md §2 "SSRF protection").
//
// A Client fetches one JSON document per call and refuses everything else:
//
//   - https only; plain http only to a loopback IP literal and only when the
//     dev switch Options.InsecureAllowLoopback is set (logged at New);
//   - the URL's host must be on the caller's allowlist (exact host, optional
//     port, case-insensitive);
//   - the destination IP is checked by the dialer's Control hook, after DNS
//     resolution and immediately before connect, so a DNS answer that changes
//     between checks (rebinding) cannot reach a forbidden address; IP
//     literals, including legacy hex/octal/integer IPv4 forms and
//     IPv4-mapped IPv6, are parsed with a real parser and refused up front;
//   - loopback, private, link-local, CGNAT, cloud metadata, NAT64, multicast
//     and every other IANA special-purpose range are refused (via
//     code.dny.dev/ssrf); InsecureAllowLoopback additionally admits only
//     127.0.0.0/8 and ::1;
//   - no redirects, no proxies from the environment, no cookies, no
//     credentials in URLs, TLS ≥ 1.2 with certificate validation;
//   - only status 200 with a JSON media type succeeds, the body is capped and
//     every phase is bounded by time-outs (connect ≤ 2 s, total ≤ 5 s by
//     default).
//
// Every refusal wraps one of the exported sentinel errors.
package safehttp
