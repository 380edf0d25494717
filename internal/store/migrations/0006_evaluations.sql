-- Evaluations and the one response per organisation per evaluation.
CREATE TABLE evaluations (
    id             TEXT PRIMARY KEY,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    milestone_id   TEXT,
    opens_at       {{timestamp}} NOT NULL,
    closes_at      {{timestamp}} NOT NULL,
    published      BOOLEAN NOT NULL,
    audience       TEXT NOT NULL,
    min_group_size INTEGER NOT NULL,
    questions      TEXT NOT NULL,
    example        BOOLEAN NOT NULL DEFAULT FALSE,
    version        INTEGER NOT NULL,
    created_at     {{timestamp}} NOT NULL,
    updated_at     {{timestamp}} NOT NULL
);
CREATE INDEX evaluations_created_at ON evaluations (created_at, id);
CREATE INDEX evaluations_milestone ON evaluations (milestone_id);

CREATE TABLE evaluation_responses (
    evaluation_id   TEXT NOT NULL REFERENCES evaluations (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    answers         TEXT NOT NULL,
    submitted_at    {{timestamp}} NOT NULL,
    updated_at      {{timestamp}} NOT NULL,
    PRIMARY KEY (evaluation_id, organisation_id)
);
