// Package audit owns AuthPlane's audit trail outside the grant's own
// transaction (DESIGN.md §6):
//
//   - Queue: the bounded queue through which denials, introspections and
//     other non-issuing events reach the store in batches without blocking
//     a response. Issued-token events never pass through it: they are
//     written in the same transaction as the jti consumption.
//   - Sealer: tamper evidence. Events are sealed in batches; each seal
//     chains the SHA-256 digests of its events (CanonicalEvent documents
//     the encoding) from the previous seal's head, links to the previous
//     seal and carries an HMAC-SHA256 under the server's audit key. Seals
//     are keyed by their first seq, so several instances writing to one
//     PostgreSQL database agree on one chain, and a seal never covers a seq
//     whose append has not committed (storage.AuditSeals.AuditWatermark).
//   - Verify: walks the chain and names the first edited, deleted or
//     inserted record, or the first forged, altered or missing seal.
//   - Sealer.Purge: retention that removes whole sealed ranges, keeps their
//     seals (marked purged under the key) so verification stays valid, and
//     records each purge as an audit.purged event.
//   - Handler: the admin API's GET /admin/v1/audit/verify, the NDJSON
//     export stream GET /admin/v1/audit/stream (for SIEMs; follow mode,
//     resumable from a seq) and the access review GET /admin/v1/connections.
//
// What the seals cannot show: an attacker with write access to the
// database who also deletes the newest seals and the events after the
// previous one leaves a shorter chain that verifies. Report.Head and
// LastSealedSeq are there to be recorded elsewhere (a SIEM receives the
// stream anyway) so that such a truncation is noticed. The filter columns
// of audit_events are copies of the event document, which is what is
// sealed, exported and verified.
package audit
