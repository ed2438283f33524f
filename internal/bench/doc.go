// Package bench is AuthPlane's load generator (`authplane bench`, DESIGN.md
// §8). It starts an AuthPlane server as a separate process on loopback (or
// targets a running one), registers a test IdP, client, resource and policy
// through the admin API, pre-signs a pool of unique ID-JAGs so that its own
// signing does not compete for the CPU during the measured window, and
// drives POST /oauth/token over keep-alive connections at a fixed
// concurrency for a fixed duration.
//
// It reports grants per second, latency percentiles, errors by status and
// OAuth error code, the server's CPU time and resident memory read from
// /proc, and checks through the admin API's audit listing that every token
// it received has its token.issued record. Load runs are never part of the
// test suite: they run only through Run.
//
// Only loopback targets are accepted: the generator is a measuring tool,
// not a way to flood somebody else's server.
package bench
