package storage

import "errors"

// Sentinel errors returned (possibly wrapped) by every backend.
var (
	// ErrNotFound means the addressed record does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrConflict means a record with the same identity (id, URI, issuer, …)
	// already exists.
	ErrConflict = errors.New("storage: conflict")
	// ErrReplay means an (issuer, jti) pair has already been consumed.
	ErrReplay = errors.New("storage: jti already consumed")
	// ErrInvalid means the record violates a storage-level constraint that
	// the caller should have validated (for example an empty id).
	ErrInvalid = errors.New("storage: invalid record")
)
