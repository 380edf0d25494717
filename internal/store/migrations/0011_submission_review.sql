-- The call for papers becomes a review: submissions carry a version (for
-- If-Match) and an update time, keep every move between statuses with its
-- reason, and get reviewers' scores; editors assign reviewers per
-- conference. Existing submissions keep their status and free-named
-- authors; a decided one gets the move that decided it.
ALTER TABLE submissions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE submissions ADD COLUMN updated_at {{timestamp}};
UPDATE submissions SET updated_at = COALESCE(decided_at, submitted_at);
CREATE INDEX submissions_status ON submissions (meeting_id, status, submitted_at, id);

CREATE TABLE submission_transitions (
    id            TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    actor         TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    at            {{timestamp}} NOT NULL
);
CREATE INDEX submission_transitions_submission ON submission_transitions (submission_id, at, id);
INSERT INTO submission_transitions (id, submission_id, from_status, to_status, actor, reason, at)
    SELECT id || '/decided', id, 'submitted', status, '', '', decided_at FROM submissions
    WHERE status IN ('accepted', 'rejected') AND decided_at IS NOT NULL;

CREATE TABLE submission_reviews (
    id                 TEXT PRIMARY KEY,
    submission_id      TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    reviewer           TEXT NOT NULL,
    reviewer_person_id TEXT,
    score              INTEGER NOT NULL,
    comment            TEXT NOT NULL DEFAULT '',
    version            INTEGER NOT NULL,
    created_at         {{timestamp}} NOT NULL,
    updated_at         {{timestamp}} NOT NULL
);
CREATE UNIQUE INDEX submission_reviews_one_per_reviewer ON submission_reviews (submission_id, reviewer);

CREATE TABLE conference_reviewers (
    meeting_id  TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at {{timestamp}} NOT NULL,
    PRIMARY KEY (meeting_id, person_id)
);
