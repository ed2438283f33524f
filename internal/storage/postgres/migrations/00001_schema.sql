-- AuthPlane PostgreSQL schema, version 1.
--
-- Every name is unqualified: the tables live in the first schema of the
-- connection's search_path, so several deployments (or tests) can share one
-- database in separate schemas. Identifiers use COLLATE "C" so that keyset
-- paging orders by bytes, exactly as Go and the SQLite backend do. Optional
-- lists and maps are JSONB holding JSON null (nil: "no restriction") or an
-- array/object (possibly empty: "deny all"); documents whose exact bytes
-- matter (JWK Sets, audit before/after) are JSON, which keeps the text as is.
-- Durations are BIGINT nanoseconds.

-- +goose Up
CREATE TABLE generation (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    value     BIGINT  NOT NULL
);
INSERT INTO generation (singleton, value) VALUES (TRUE, 0);

CREATE TABLE clients (
    id           TEXT COLLATE "C" PRIMARY KEY CHECK (id <> ''),
    name         TEXT    NOT NULL,
    grant_types  JSONB   NOT NULL,
    auth_method  TEXT    NOT NULL,
    secret_hash  BYTEA,
    jwks         JSON,
    jwks_uri     TEXT    NOT NULL,
    allowed_idps JSONB   NOT NULL,
    enabled      BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ
);

CREATE TABLE resources (
    id               TEXT COLLATE "C" PRIMARY KEY CHECK (id <> ''),
    uri              TEXT COLLATE "C" NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    scopes           JSONB   NOT NULL,
    access_token_ttl BIGINT  NOT NULL,
    enabled          BOOLEAN NOT NULL,
    created_at       TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ
);

CREATE TABLE idps (
    id                     TEXT COLLATE "C" PRIMARY KEY CHECK (id <> ''),
    issuer                 TEXT COLLATE "C" NOT NULL UNIQUE,
    jwks_uri               TEXT    NOT NULL,
    allowed_algs           JSONB   NOT NULL,
    max_assertion_lifetime BIGINT  NOT NULL,
    clock_skew             BIGINT  NOT NULL,
    groups_claim           TEXT    NOT NULL,
    subject_mode           TEXT    NOT NULL,
    email_domains          JSONB   NOT NULL,
    client_id_map          JSONB   NOT NULL,
    allowed_hosts          JSONB   NOT NULL,
    tenant                 TEXT    NOT NULL,
    enabled                BOOLEAN NOT NULL,
    created_at             TIMESTAMPTZ,
    updated_at             TIMESTAMPTZ
);

CREATE TABLE policies (
    id          TEXT COLLATE "C" PRIMARY KEY CHECK (id <> ''),
    description TEXT    NOT NULL,
    effect      TEXT    NOT NULL,
    idps        JSONB   NOT NULL,
    clients     JSONB   NOT NULL,
    resources   JSONB   NOT NULL,
    groups_any  JSONB   NOT NULL,
    subjects    JSONB   NOT NULL,
    require     JSONB   NOT NULL,
    scopes      JSONB   NOT NULL,
    condition   TEXT    NOT NULL,
    enabled     BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ,
    updated_at  TIMESTAMPTZ
);

CREATE TABLE subject_mappings (
    idp_id           TEXT COLLATE "C" NOT NULL CHECK (idp_id <> ''),
    external_subject TEXT COLLATE "C" NOT NULL CHECK (external_subject <> ''),
    local_subject    TEXT    NOT NULL,
    enabled          BOOLEAN NOT NULL,
    created_at       TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ,
    PRIMARY KEY (idp_id, external_subject)
);

CREATE TABLE signing_keys (
    id             TEXT COLLATE "C" PRIMARY KEY CHECK (id <> ''),
    alg            TEXT  NOT NULL,
    public_jwk     JSON,
    private_sealed BYTEA,
    state          TEXT  NOT NULL,
    created_at     TIMESTAMPTZ,
    retired_at     TIMESTAMPTZ,
    publish_until  TIMESTAMPTZ
);

CREATE TABLE idp_key_states (
    idp_id            TEXT COLLATE "C" PRIMARY KEY CHECK (idp_id <> ''),
    jwks              BYTEA,
    jwks_uri          TEXT NOT NULL,
    fetched_at        TIMESTAMPTZ,
    expires_at        TIMESTAMPTZ,
    last_attempt      TIMESTAMPTZ,
    last_error        TEXT NOT NULL,
    refresh_requested TIMESTAMPTZ
);

-- consumed_jtis is the replay gate (RAS-24): only sha256(iss || 0x00 || jti)
-- is kept, so the key is bounded whatever the assertion carries.
CREATE TABLE consumed_jtis (
    key        BYTEA       PRIMARY KEY CHECK (octet_length(key) = 32),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX consumed_jtis_expires_at ON consumed_jtis (expires_at);

CREATE TABLE revocations (
    kind       TEXT COLLATE "C" NOT NULL CHECK (kind <> ''),
    value      TEXT COLLATE "C" NOT NULL CHECK (value <> ''),
    at         TIMESTAMPTZ,
    expires_at TIMESTAMPTZ NOT NULL,
    reason     TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX revocations_expires_at ON revocations (expires_at);

-- audit_events keeps each event as JSONB (event) with a column for every
-- AuditFilter field; before/after are JSON so their bytes survive.
CREATE TABLE audit_events (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            TEXT        NOT NULL,
    time          TIMESTAMPTZ NOT NULL,
    type          TEXT        NOT NULL,
    outcome       TEXT        NOT NULL,
    reason        TEXT        NOT NULL,
    idp_id        TEXT        NOT NULL,
    client_id     TEXT        NOT NULL,
    subject       TEXT        NOT NULL,
    resource      TEXT        NOT NULL,
    assertion_jti TEXT        NOT NULL,
    token_jti     TEXT        NOT NULL,
    event         JSONB       NOT NULL,
    before        JSON,
    after         JSON
);
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_client_id ON audit_events (client_id, seq);
CREATE INDEX audit_events_subject ON audit_events (subject, seq);
CREATE INDEX audit_events_assertion_jti ON audit_events (assertion_jti) WHERE assertion_jti <> '';
CREATE INDEX audit_events_token_jti ON audit_events (token_jti) WHERE token_jti <> '';

-- authplane_bump_generation bumps the generation and notifies listeners in
-- the transaction of the change itself, so a reader that sees the new
-- generation also sees the change. Statement triggers with transition tables
-- bump once per statement and only when rows changed. The payload is the
-- schema, so listeners ignore deployments sharing the database.
-- +goose StatementBegin
CREATE FUNCTION authplane_bump_generation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed_rows) THEN
        UPDATE generation SET value = value + 1;
        PERFORM pg_notify('authplane_changes', coalesce(current_schema(), ''));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER clients_inserted AFTER INSERT ON clients REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER clients_updated AFTER UPDATE ON clients REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER clients_deleted AFTER DELETE ON clients REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();

CREATE TRIGGER resources_inserted AFTER INSERT ON resources REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER resources_updated AFTER UPDATE ON resources REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER resources_deleted AFTER DELETE ON resources REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();

CREATE TRIGGER idps_inserted AFTER INSERT ON idps REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER idps_updated AFTER UPDATE ON idps REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER idps_deleted AFTER DELETE ON idps REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();

CREATE TRIGGER policies_inserted AFTER INSERT ON policies REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER policies_updated AFTER UPDATE ON policies REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER policies_deleted AFTER DELETE ON policies REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();

CREATE TRIGGER subject_mappings_inserted AFTER INSERT ON subject_mappings REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER subject_mappings_updated AFTER UPDATE ON subject_mappings REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER subject_mappings_deleted AFTER DELETE ON subject_mappings REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();

CREATE TRIGGER signing_keys_inserted AFTER INSERT ON signing_keys REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER signing_keys_updated AFTER UPDATE ON signing_keys REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER signing_keys_deleted AFTER DELETE ON signing_keys REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();

CREATE TRIGGER revocations_inserted AFTER INSERT ON revocations REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER revocations_updated AFTER UPDATE ON revocations REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();
CREATE TRIGGER revocations_deleted AFTER DELETE ON revocations REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION authplane_bump_generation();

-- +goose Down
DROP TABLE audit_events;
DROP TABLE revocations;
DROP TABLE consumed_jtis;
DROP TABLE idp_key_states;
DROP TABLE signing_keys;
DROP TABLE subject_mappings;
DROP TABLE policies;
DROP TABLE idps;
DROP TABLE resources;
DROP TABLE clients;
DROP FUNCTION authplane_bump_generation();
DROP TABLE generation;
