-- The audit log pages on seq alone (newest first), and the lists answer
-- updatedSince (updated_at >= ?), which a poller asks with an instant close
-- to now: each needs an index to stay cheap as the tables grow.
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);
CREATE INDEX organisations_updated_at ON organisations (updated_at);
CREATE INDEX people_updated_at ON people (updated_at);
CREATE INDEX meetings_updated_at ON meetings (updated_at);
CREATE INDEX publications_updated_at ON publications (updated_at);
CREATE INDEX meeting_reports_updated_at ON meeting_reports (updated_at);
CREATE INDEX commitments_updated_at ON commitments (updated_at);
CREATE INDEX milestones_updated_at ON milestones (updated_at);
CREATE INDEX evaluations_updated_at ON evaluations (updated_at);
