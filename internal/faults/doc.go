//go:build faults

// Package faults is AuthPlane's fault and attack harness: tests that start
// real `authplane serve` processes on loopback and check that the product
// invariants of DESIGN.md §2 and the reliability bars of §9 hold under a
// kill -9 during load, several instances on one PostgreSQL, an IdP outage
// and key rotation, floods of unknown kids and malformed requests, SSRF
// attempts and slow clients. Each scenario prints its figures with t.Logf.
//
// Every file carries the build tag "faults", so the default `go test ./...`
// does not build it. Run it with
//
//	go test -tags=faults -count=1 -v ./internal/faults/
//
// with AUTHPLANE_TEST_POSTGRES_DSN set for the PostgreSQL scenarios (they
// skip with a message otherwise). The harness builds the binary once per
// run, serves the enterprise IdP's discovery and JWKS over plain http on
// 127.0.0.1 (admitted by servers started with insecure_allow_loopback), and
// never sends traffic to an address outside 127.0.0.0/8.
package faults
