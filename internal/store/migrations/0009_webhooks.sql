-- Webhook subscriptions and their delivery log. The change feed is the
-- queue: each subscription keeps a cursor (the change_events.seq last
-- delivered or skipped) and its retry state, and one instance at a time
-- works it under a lease (lease_owner, lease_until: compare-and-set). The
-- secrets are kept as they are, because signing needs them.
CREATE TABLE webhook_subscriptions (
    id                   TEXT PRIMARY KEY,
    owner                TEXT NOT NULL,
    owner_client         BOOLEAN NOT NULL DEFAULT FALSE,
    url                  TEXT NOT NULL,
    event_types          TEXT NOT NULL DEFAULT '[]',
    filters              TEXT NOT NULL DEFAULT '{}',
    description          TEXT NOT NULL DEFAULT '',
    enabled              BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason      TEXT NOT NULL DEFAULT '',
    disabled_at          {{timestamp}},
    secret               TEXT NOT NULL,
    previous_secret      TEXT NOT NULL DEFAULT '',
    previous_until       {{timestamp}},
    feed_cursor          BIGINT NOT NULL DEFAULT 0,
    attempt              INTEGER NOT NULL DEFAULT 0,
    failing_since        {{timestamp}},
    next_attempt_at      {{timestamp}},
    lease_owner          TEXT NOT NULL DEFAULT '',
    lease_until          {{timestamp}},
    version              INTEGER NOT NULL,
    created_at           {{timestamp}} NOT NULL,
    updated_at           {{timestamp}} NOT NULL
);
CREATE INDEX webhook_subscriptions_owner ON webhook_subscriptions (owner, id);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    subscription_id  TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    seq              BIGINT NOT NULL,
    event_type       TEXT NOT NULL,
    attempt          INTEGER NOT NULL,
    redelivery       BOOLEAN NOT NULL DEFAULT FALSE,
    status_code      INTEGER NOT NULL DEFAULT 0,
    duration_ms      BIGINT NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT '',
    attempted_at     {{timestamp}} NOT NULL,
    next_attempt_at  {{timestamp}}
);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, attempted_at, id);

-- Redeliveries asked for and not yet sent; the subscription's lease holder sends them.
CREATE TABLE webhook_redeliveries (
    id               TEXT PRIMARY KEY,
    subscription_id  TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    seq              BIGINT NOT NULL,
    requested_at     {{timestamp}} NOT NULL
);
CREATE INDEX webhook_redeliveries_subscription ON webhook_redeliveries (subscription_id, requested_at);
