// Package storage owns AuthPlane's persistent domain types, the sentinel
// errors every backend returns, and the small per-aggregate interfaces the
// rest of the server consumes (DESIGN.md §7).
//
// Backends live in sub-packages (sqlite, postgres) and all run the
// conformance suite in storagetest. This package depends on nothing internal.
//
// Optional lists follow one convention everywhere: a nil slice means "no
// restriction" and a non-nil empty slice means "deny all" / "none". Backends
// store them as JSON (null versus []) so the distinction survives every round
// trip (DESIGN.md §5).
package storage
