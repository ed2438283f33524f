-- AuthPlane IdP-role schema: its own database file, a trust domain apart
-- from the authorization server's. Times are INTEGER unix milliseconds UTC;
-- lists and maps are JSON TEXT.

-- +goose Up
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('policy_generation', 1);

CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    groups_json   TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS apps (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    secret_hash        BLOB NOT NULL,
    redirect_uris_json TEXT NOT NULL,
    grant_types_json   TEXT NOT NULL,
    created_at         INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS audiences (
    id                 TEXT PRIMARY KEY,
    issuer             TEXT NOT NULL UNIQUE,
    aliases_json       TEXT NOT NULL,
    resources_json     TEXT NOT NULL,
    scopes_json        TEXT NOT NULL,
    client_id_map_json TEXT NOT NULL,
    created_at         INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS policies (
    id         TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS signing_keys (
    id             TEXT PRIMARY KEY,
    alg            TEXT NOT NULL,
    public_jwk     TEXT NOT NULL,
    private_sealed BLOB NOT NULL,
    state          TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    retired_at     INTEGER NOT NULL,
    publish_until  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Authorization codes are keyed by sha256(code); the code itself is never
-- stored. used_at is set by the one redemption that wins.
CREATE TABLE IF NOT EXISTS auth_codes (
    hash           BLOB PRIMARY KEY,
    app_id         TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    username       TEXT NOT NULL,
    auth_time      INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

-- Single-use identifiers (DPoP proof jtis), keyed by sha256(kind || 0 || value).
CREATE TABLE IF NOT EXISTS used_jtis (
    hash       BLOB PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS audit (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    time    INTEGER NOT NULL,
    type    TEXT NOT NULL,
    outcome TEXT NOT NULL,
    event   TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE IF EXISTS audit;
DROP TABLE IF EXISTS used_jtis;
DROP TABLE IF EXISTS auth_codes;
DROP TABLE IF EXISTS signing_keys;
DROP TABLE IF EXISTS policies;
DROP TABLE IF EXISTS audiences;
DROP TABLE IF EXISTS apps;
DROP TABLE IF EXISTS users;
DROP TABLE IF EXISTS meta;
