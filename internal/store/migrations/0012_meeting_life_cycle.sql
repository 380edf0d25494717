-- The meeting life cycle: a registration window the coordinator sets, a
-- sequence number that is unique, and reports that are corrected (a new
-- version, the earlier ones kept) and retracted (with a reason).

-- Registration opens and closes at these instants; NULL keeps the rule
-- meetings had before: open from creation until the start.
ALTER TABLE meetings ADD COLUMN registration_opens_at {{timestamp}};
ALTER TABLE meetings ADD COLUMN registration_closes_at {{timestamp}};

-- A sequence number used twice stays with the meeting entered first; the
-- later ones lose the number (and nothing else) so that it can be unique.
UPDATE meetings SET sequence = NULL
WHERE sequence IS NOT NULL AND EXISTS (
    SELECT 1 FROM meetings o
    WHERE o.sequence = meetings.sequence
      AND (o.created_at < meetings.created_at OR (o.created_at = meetings.created_at AND o.id < meetings.id))
);
CREATE UNIQUE INDEX meetings_sequence ON meetings (sequence) WHERE sequence IS NOT NULL;

ALTER TABLE meeting_reports ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE meeting_reports ADD COLUMN retracted_at {{timestamp}};
ALTER TABLE meeting_reports ADD COLUMN retraction_reason TEXT NOT NULL DEFAULT '';

-- Every version of a report as it was recorded; the current one too.
CREATE TABLE meeting_report_versions (
    meeting_id        TEXT NOT NULL REFERENCES meetings (id),
    version           INTEGER NOT NULL,
    url               TEXT NOT NULL,
    published_on      DATE NOT NULL,
    summary           TEXT NOT NULL DEFAULT '',
    language          TEXT NOT NULL,
    licence           TEXT NOT NULL DEFAULT '',
    correction_note   TEXT NOT NULL DEFAULT '',
    recorded_at       {{timestamp}} NOT NULL,
    recorded_by       TEXT NOT NULL DEFAULT '',
    retracted_at      {{timestamp}},
    retraction_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, version)
);
INSERT INTO meeting_report_versions (meeting_id, version, url, published_on, summary, language, licence, recorded_at)
SELECT meeting_id, 1, url, published_on, summary, language, licence, updated_at FROM meeting_reports;

-- A member's registrations across meetings, in the order they were made.
CREATE INDEX registrations_registered_at ON registrations (registered_at, id);
