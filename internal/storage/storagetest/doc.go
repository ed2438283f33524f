// Package storagetest is the storage conformance suite (DESIGN.md §7): every
// backend runs Run against fresh stores and passes the same tests, so the
// rest of AuthPlane can rely on one contract whatever the backend.
//
// The suite pins down what the interfaces in package storage only state in
// prose: exact round trips of every field (times with at least millisecond
// precision, returned in UTC; durations exact), nil ("no restriction") versus
// empty ("deny all") optional lists, the sentinel errors, id-ordered cursor
// paging, the atomic single-use jti gate under concurrency (RAS-24),
// transactional rollback, the audit filters and the configuration
// generation counter.
package storagetest
