// Package audit owns AuthPlane's audit trail outside the grant's own
// transaction: the bounded Queue through which denials, introspections and
// other non-issuing events reach the store in batches without blocking a
// response (DESIGN.md §6). Issued-token events never pass through it: they
// are written in the same transaction as the jti consumption.
package audit
