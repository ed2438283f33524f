// Package sqlite is AuthPlane's embedded storage backend (DESIGN.md §7):
// one database file, no CGO (modernc.org/sqlite), migrations embedded and
// applied with goose at Open.
//
// # Durability
//
// The database runs in WAL mode with synchronous=FULL. In WAL mode,
// synchronous=NORMAL only syncs at checkpoints, so a power loss or kernel
// crash can roll back transactions that already committed. For AuthPlane a
// commit is a promise made to a client: once a token has been returned,
// its consumed jti and its audit record must survive a crash (DESIGN.md §9,
// "kill -9 during load"; RAS-24). A rolled-back jti would make a replay of
// the same assertion succeed after restart. FULL syncs the WAL on every
// commit, which is what makes "committed" mean "durable".
//
// The grant hot path is group-committed (groupcommit.go): concurrent
// ConsumeJTIWithAudit calls share one transaction, so one WAL sync covers
// a whole batch, and each caller gets its result only after that COMMIT
// (and its sync) has returned. Checkpoints run in the background on a
// connection of their own (checkpoint.go) instead of inside the commit
// that crosses wal_autocheckpoint. The writer keeps temporary storage
// (statement journals) in memory.
//
// # Connections
//
// Every write and every transaction runs on one writer connection
// (MaxOpenConns 1) opened with _txlock=immediate, so BEGIN takes SQLite's
// write lock at once instead of upgrading a read lock mid-transaction, the
// usual source of SQLITE_BUSY. Concurrent writers queue in database/sql's
// pool rather than spinning in busy_timeout. Reads outside transactions
// use a separate pool of query_only connections; in WAL mode they never
// block the writer nor wait for it. busy_timeout (5 s) covers other
// processes sharing the file (for example the CLI during a server run).
//
// # Schema
//
// One table per aggregate, with real columns for ids and filterable fields.
// Optional lists and maps are JSON TEXT, so nil ("no restriction", JSON
// null) and empty ("deny all", []) stay distinct. Times are INTEGER unix
// milliseconds UTC (NULL for the zero time); durations INTEGER
// nanoseconds. Consumed jtis are keyed by sha256(issuer || 0x00 || jti) and
// inserted with a single INSERT … ON CONFLICT DO NOTHING. Audit events keep
// their filter fields as columns and the whole event as JSON.
//
// # Audit lookup
//
// audit_events has indexes only on columns whose new values arrive in
// order (time, type and time, client, token jti, which is time-ordered):
// each costs a grant little, since a batch's keys share pages. Subjects and
// assertion jtis are effectively random, and an index on them would cost a
// page write per grant on the group-commit path. They are indexed instead
// in audit_lookup, after the fact: once a second a background indexer
// (lookup.go) adds the new events in one transaction, sorted and keyed by
// seq bucket (seq >> 12) first, so that the keys of a batch fall in one or
// two buckets and share pages. A search by subject or jti probes each
// bucket and scans the events the indexer has not reached (above
// indexed_to); its results do not depend on how far the indexer has got.
//
// A one-row generation table is incremented in the same transaction as
// every configuration change; Changes signals this process's subscribers
// after such a commit, and other processes notice by polling Generation.
package sqlite
