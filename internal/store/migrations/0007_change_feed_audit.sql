-- The change feed and the audit log.
-- change_events.seq orders the feed by commit: every write transaction takes
-- the next number from change_sequence, whose row stays locked until the
-- transaction ends, so a later commit always holds a larger number and a
-- reader that has seen seq N never later finds a smaller one.
ALTER TABLE change_events ADD COLUMN seq BIGINT;
ALTER TABLE change_events ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
CREATE TABLE change_seq_backfill AS SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM change_events;
CREATE UNIQUE INDEX change_seq_backfill_id ON change_seq_backfill (id);
UPDATE change_events SET seq = (SELECT n FROM change_seq_backfill b WHERE b.id = change_events.id);
DROP TABLE change_seq_backfill;
CREATE UNIQUE INDEX change_events_seq ON change_events (seq);
CREATE TABLE change_sequence (
    id   INTEGER PRIMARY KEY,
    last BIGINT NOT NULL
);
INSERT INTO change_sequence (id, last) SELECT 1, COALESCE(MAX(seq), 0) FROM change_events;

-- The audit log: who changed what, when, from which request. It keeps no
-- personal values (ids and field names only), so erasure leaves it whole, and
-- it has a retention of its own, apart from the change feed.
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    seq         BIGINT NOT NULL,
    at          {{timestamp}} NOT NULL,
    actor       TEXT NOT NULL,
    resource    TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    action      TEXT NOT NULL,
    fields      TEXT NOT NULL,
    request_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at ON audit_events (at, seq);
CREATE INDEX audit_events_resource ON audit_events (resource, resource_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
INSERT INTO audit_events (id, seq, at, actor, resource, resource_id, action, fields, request_id)
    SELECT id, seq, at, actor, resource, resource_id, action, fields, request_id FROM change_events;
