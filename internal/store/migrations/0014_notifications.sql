-- Notifications. A person's consent to be contacted by email sits next to
-- the public profile, recorded the same way (the people row and the
-- history). It starts withdrawn for everyone already here: consent is given,
-- never presumed (docs/notifications.md).
ALTER TABLE people ADD COLUMN contact BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE consent_records ADD COLUMN contact BOOLEAN NOT NULL DEFAULT FALSE;

-- The mail outbox reads the change feed after commit, as a webhook
-- subscription does: one row keeps its cursor (the change_events.seq last
-- mailed or skipped), its retry state and the lease that lets one instance
-- at a time send. It starts at the feed's head, so an upgrade mails nothing
-- about what happened before.
CREATE TABLE mail_queue (
    id               TEXT PRIMARY KEY,
    feed_cursor      BIGINT NOT NULL DEFAULT 0,
    attempt          INTEGER NOT NULL DEFAULT 0,
    failing_since    {{timestamp}},
    next_attempt_at  {{timestamp}},
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_until      {{timestamp}}
);
INSERT INTO mail_queue (id, feed_cursor) VALUES ('mail', COALESCE((SELECT last FROM change_sequence WHERE id = 1), 0));

-- Every message the outbox sends, by a key that names the change, the kind
-- of message and the person: it is written as sending before the message is
-- handed to the mail server and as sent after, so no message goes out twice
-- (docs/notifications.md says what a crash in between does). No address or
-- text is kept.
CREATE TABLE mail_messages (
    message_key  TEXT PRIMARY KEY,
    message_id   TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    created_at   {{timestamp}} NOT NULL,
    updated_at   {{timestamp}} NOT NULL
);
CREATE INDEX mail_messages_person ON mail_messages (person_id);
