-- Seals of the audit trail (storage.AuditSeal, DESIGN.md §6): one row per
-- sealed range of audit sequence numbers. from_seq is the key, so of two
-- processes sealing the same range one fails with a unique violation.
-- Times follow 00001_init.sql: INTEGER unix milliseconds UTC, NULL for zero.

-- +goose Up
CREATE TABLE IF NOT EXISTS audit_seals (
    from_seq  INTEGER PRIMARY KEY,
    to_seq    INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    head      BLOB    NOT NULL,
    prev      BLOB    NOT NULL,
    digests   BLOB,
    mac       BLOB    NOT NULL,
    sealed_at INTEGER NOT NULL,
    purged_at INTEGER,
    purge_mac BLOB,
    CHECK (to_seq >= from_seq AND count >= 0)
) STRICT;

-- The access review groups token.issued events by these columns.
CREATE INDEX IF NOT EXISTS audit_events_type_time ON audit_events (type, time);

-- +goose Down
DROP INDEX IF EXISTS audit_events_type_time;
DROP TABLE IF EXISTS audit_seals;
