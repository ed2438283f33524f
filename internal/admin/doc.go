// Package admin owns AuthPlane's admin API (DESIGN.md §4): the business
// logic of managing clients, protected resources, trusted IdPs, policy rules,
// subject mappings, signing keys, revocations and the audit trail (Service),
// the exported JSON shapes of those objects (the *DTO types, shared with the
// declarative configuration through Seed), and the HTTP layer that exposes
// them under /admin/v1 (NewHandler).
//
// Every change runs in one store transaction that loads the record it
// replaces, validates the new one (collecting every problem at once and
// checking referenced ids inside the transaction), writes it and appends one
// audit event with the before and after images (DESIGN.md §6). Secrets are
// generated server-side, shown once and stored only as keyed hashes
// (SPEC CAUTH-02, TEP-06); they never appear in an audit event.
package admin
