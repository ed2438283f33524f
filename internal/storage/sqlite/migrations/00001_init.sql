-- AuthPlane SQLite schema. Conventions (see doc.go):
--   * times are INTEGER unix milliseconds UTC, NULL for the zero time;
--   * durations are INTEGER nanoseconds;
--   * optional lists and maps are JSON TEXT: 'null' (no restriction) is
--     distinct from '[]' (deny all);
--   * every statement is idempotent (IF NOT EXISTS, OR IGNORE) so that two
--     processes migrating one new file at once cannot fail each other.

-- +goose Up
CREATE TABLE IF NOT EXISTS generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
) STRICT;
INSERT OR IGNORE INTO generation (id, value) VALUES (1, 1);

CREATE TABLE IF NOT EXISTS clients (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    grant_types  TEXT NOT NULL,
    auth_method  TEXT NOT NULL,
    secret_hash  BLOB,
    jwks         TEXT,
    jwks_uri     TEXT NOT NULL,
    allowed_idps TEXT NOT NULL,
    enabled      INTEGER NOT NULL,
    created_at   INTEGER,
    updated_at   INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS resources (
    id               TEXT PRIMARY KEY,
    uri              TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    access_token_ttl INTEGER NOT NULL,
    enabled          INTEGER NOT NULL,
    created_at       INTEGER,
    updated_at       INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS idps (
    id                     TEXT PRIMARY KEY,
    issuer                 TEXT NOT NULL UNIQUE,
    jwks_uri               TEXT NOT NULL,
    allowed_algs           TEXT NOT NULL,
    max_assertion_lifetime INTEGER NOT NULL,
    clock_skew             INTEGER NOT NULL,
    groups_claim           TEXT NOT NULL,
    subject_mode           TEXT NOT NULL,
    email_domains          TEXT NOT NULL,
    client_id_map          TEXT NOT NULL,
    allowed_hosts          TEXT NOT NULL,
    tenant                 TEXT NOT NULL,
    enabled                INTEGER NOT NULL,
    created_at             INTEGER,
    updated_at             INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS policies (
    id          TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    effect      TEXT NOT NULL,
    idps        TEXT NOT NULL,
    clients     TEXT NOT NULL,
    resources   TEXT NOT NULL,
    groups_any  TEXT NOT NULL,
    subjects    TEXT NOT NULL,
    require     TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    condition   TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    created_at  INTEGER,
    updated_at  INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS subject_mappings (
    idp_id           TEXT NOT NULL,
    external_subject TEXT NOT NULL,
    local_subject    TEXT NOT NULL,
    enabled          INTEGER NOT NULL,
    created_at       INTEGER,
    updated_at       INTEGER,
    PRIMARY KEY (idp_id, external_subject)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS signing_keys (
    id             TEXT PRIMARY KEY,
    alg            TEXT NOT NULL,
    public_jwk     TEXT,
    private_sealed BLOB,
    state          TEXT NOT NULL,
    created_at     INTEGER,
    retired_at     INTEGER,
    publish_until  INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS idp_key_states (
    idp_id            TEXT PRIMARY KEY,
    jwks              BLOB,
    jwks_uri          TEXT NOT NULL,
    fetched_at        INTEGER,
    expires_at        INTEGER,
    last_attempt      INTEGER,
    last_error        TEXT NOT NULL,
    refresh_requested INTEGER
) STRICT, WITHOUT ROWID;

-- hash = sha256(issuer || 0x00 || jti): bounded whatever the jti (RAS-24).
CREATE TABLE IF NOT EXISTS consumed_jtis (
    hash       BLOB PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS consumed_jtis_expires_at ON consumed_jtis (expires_at);

CREATE TABLE IF NOT EXISTS revocations (
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    revoked_at INTEGER,
    expires_at INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    PRIMARY KEY (kind, value)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS revocations_expires_at ON revocations (expires_at);

-- The whole event is kept as JSON in event; the other columns exist to be
-- filtered on (storage.AuditFilter).
CREATE TABLE IF NOT EXISTS audit_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL,
    time          INTEGER NOT NULL,
    type          TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    reason        TEXT NOT NULL,
    idp_id        TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    resource      TEXT NOT NULL,
    assertion_jti TEXT NOT NULL,
    token_jti     TEXT NOT NULL,
    event         TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (time);
CREATE INDEX IF NOT EXISTS audit_events_client_id ON audit_events (client_id);
CREATE INDEX IF NOT EXISTS audit_events_subject ON audit_events (subject);
CREATE INDEX IF NOT EXISTS audit_events_assertion_jti ON audit_events (assertion_jti);
CREATE INDEX IF NOT EXISTS audit_events_token_jti ON audit_events (token_jti);

-- +goose Down
DROP TABLE IF EXISTS audit_events;
DROP TABLE IF EXISTS revocations;
DROP TABLE IF EXISTS consumed_jtis;
DROP TABLE IF EXISTS idp_key_states;
DROP TABLE IF EXISTS signing_keys;
DROP TABLE IF EXISTS subject_mappings;
DROP TABLE IF EXISTS policies;
DROP TABLE IF EXISTS idps;
DROP TABLE IF EXISTS clients;
DROP TABLE IF EXISTS resources;
DROP TABLE IF EXISTS generation;
