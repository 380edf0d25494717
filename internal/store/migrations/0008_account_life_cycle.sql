-- Accounts and API clients that can be disabled, revoked and rotated, with
-- refresh tokens for browser sign-in and one-time set-password links.
-- auth_version grows whenever access must end or narrow (disabled, deleted,
-- role or organisation changed, erased, revoked): a token carries the
-- version it was issued at and is refused once it is behind.
ALTER TABLE users ADD COLUMN disabled_at {{timestamp}};
ALTER TABLE users ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN auth_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN last_sign_in_at {{timestamp}};
ALTER TABLE api_clients ADD COLUMN scopes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE api_clients ADD COLUMN previous_secret_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE api_clients ADD COLUMN previous_secret_expires_at {{timestamp}};
ALTER TABLE api_clients ADD COLUMN revoked_at {{timestamp}};
ALTER TABLE api_clients ADD COLUMN auth_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE api_clients ADD COLUMN last_used_at {{timestamp}};

-- A refresh token is used once: using it issues the next of its family, and
-- using an old one again revokes the whole family (it was stolen).
CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    family_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  {{timestamp}} NOT NULL,
    expires_at  {{timestamp}} NOT NULL,
    used_at     {{timestamp}},
    revoked_at  {{timestamp}}
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- One-time links to set a password, for accounts created without one.
CREATE TABLE password_links (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  {{timestamp}} NOT NULL,
    expires_at  {{timestamp}} NOT NULL,
    used_at     {{timestamp}}
);
CREATE INDEX password_links_user ON password_links (user_id);
