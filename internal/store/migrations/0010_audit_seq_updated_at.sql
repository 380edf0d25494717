-- The audit log pages on seq alone (newest first), and lists filter on
-- updatedSince: each needs an index to stay cheap as the tables grow.
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);
