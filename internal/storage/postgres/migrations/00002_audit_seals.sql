-- AuthPlane PostgreSQL schema, version 2: seals of the audit trail
-- (storage.AuditSeal, DESIGN.md §6), one row per sealed range of audit
-- sequence numbers. from_seq is the key, so of several instances sealing
-- the same range exactly one insert succeeds.

-- +goose Up
CREATE TABLE audit_seals (
    from_seq  BIGINT      PRIMARY KEY,
    to_seq    BIGINT      NOT NULL,
    count     BIGINT      NOT NULL,
    head      BYTEA       NOT NULL,
    prev      BYTEA       NOT NULL,
    digests   BYTEA,
    mac       BYTEA       NOT NULL,
    sealed_at TIMESTAMPTZ NOT NULL,
    purged_at TIMESTAMPTZ,
    purge_mac BYTEA,
    CHECK (to_seq >= from_seq AND count >= 0)
);

-- The access review groups token.issued events by these columns.
CREATE INDEX audit_events_type_time ON audit_events (type, time);

-- +goose Down
DROP INDEX audit_events_type_time;
DROP TABLE audit_seals;
