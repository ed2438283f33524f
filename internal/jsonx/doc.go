// Package jsonx is the strict JSON decoder every JWT parser uses for headers
// and payloads: exactly one object, no duplicate member names at any level
// (JWT-11), valid UTF-8 without unpaired surrogate escapes (JWT-05), numbers
// kept as json.Number, names kept exactly as written (RFC 7519 §4).
package jsonx
