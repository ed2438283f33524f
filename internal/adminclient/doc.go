// Package adminclient is the typed HTTP client of AuthPlane's admin API
// (/admin/v1, docs admin-api contract) used by the `authplane admin …` CLI.
//
// It owns the wire types of the admin objects, the problem+json error type
// an operator sees (ProblemError lists every field error at once), the guard
// that refuses to send the admin token over plain http to a non-loopback
// host, and the pure pieces of the CLI that deserve tests of their own: the
// mapping from command-line flags to request JSON (Fields, Changes, Apply),
// the reading of -f files (JSON or YAML) and table rendering.
//
// Optional lists keep the convention of the storage package on the wire: a
// JSON null (or an absent field) means "no restriction" and [] means "none".
// The client never turns one into the other.
package adminclient
