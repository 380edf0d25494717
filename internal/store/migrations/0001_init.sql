-- Organisations, accounts and the change log every write appends to.
-- {{timestamp}} is TIMESTAMP on SQLite and TIMESTAMPTZ on PostgreSQL.
CREATE TABLE organisations (
    id           TEXT PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    network_role TEXT NOT NULL,
    joined_on    DATE,
    left_on      DATE,
    province     TEXT NOT NULL DEFAULT '',
    website      TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    example      BOOLEAN NOT NULL DEFAULT FALSE,
    search       TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL,
    created_at   {{timestamp}} NOT NULL,
    updated_at   {{timestamp}} NOT NULL
);
CREATE INDEX organisations_name ON organisations (name, id);
CREATE INDEX organisations_created_at ON organisations (created_at, id);
CREATE INDEX organisations_code_sort ON organisations (code, id);
CREATE INDEX organisations_joined_on ON organisations (joined_on, id);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    version         INTEGER NOT NULL,
    created_at      {{timestamp}} NOT NULL,
    updated_at      {{timestamp}} NOT NULL
);
CREATE INDEX users_organisation ON users (organisation_id);

CREATE TABLE api_clients (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    secret_hash     TEXT NOT NULL,
    role            TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    version         INTEGER NOT NULL,
    created_at      {{timestamp}} NOT NULL,
    updated_at      {{timestamp}} NOT NULL
);
CREATE INDEX api_clients_organisation ON api_clients (organisation_id);

CREATE TABLE change_events (
    id          TEXT PRIMARY KEY,
    resource    TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    action      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    fields      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    at          {{timestamp}} NOT NULL
);
CREATE INDEX change_events_resource ON change_events (resource, resource_id, id);
