-- Lookup of audit events by subject and by assertion jti (doc.go, "Audit
-- lookup"). Both values are effectively random, so an index on either
-- column costs one page write per grant; this table is filled in batches,
-- after the events commit, with keys bucketed by seq so that one batch
-- touches few pages. Events with seq above indexed_to are not in it yet and
-- are found by scanning them. An existing trail is indexed by the running
-- server in the background, not here, so that upgrading a large store does
-- not hold up start-up.

-- +goose Up
CREATE TABLE IF NOT EXISTS audit_lookup (
    bucket INTEGER NOT NULL, -- seq >> 12
    key    TEXT    NOT NULL, -- 's' || subject, or 'j' || assertion_jti
    seq    INTEGER NOT NULL,
    PRIMARY KEY (bucket, key, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS audit_lookup_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_to INTEGER NOT NULL -- every event with seq <= indexed_to is in audit_lookup
) STRICT;

INSERT INTO audit_lookup_state (id, indexed_to) VALUES (1, 0);

DROP INDEX IF EXISTS audit_events_subject;
DROP INDEX IF EXISTS audit_events_assertion_jti;

-- +goose Down
CREATE INDEX IF NOT EXISTS audit_events_subject ON audit_events (subject);
CREATE INDEX IF NOT EXISTS audit_events_assertion_jti ON audit_events (assertion_jti);
DROP TABLE IF EXISTS audit_lookup_state;
DROP TABLE IF EXISTS audit_lookup;
