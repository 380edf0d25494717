-- The action plans' commitments and milestones, every version of every
-- milestone (for asOf), and dated progress updates.
CREATE TABLE commitments (
    code         TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    cycle        INTEGER NOT NULL,
    action_plan  TEXT NOT NULL DEFAULT '',
    policy_areas TEXT NOT NULL DEFAULT '[]',
    lead         TEXT,
    support      TEXT NOT NULL DEFAULT '[]',
    status       TEXT NOT NULL DEFAULT '',
    search       TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL,
    created_at   {{timestamp}} NOT NULL,
    updated_at   {{timestamp}} NOT NULL
);
CREATE INDEX commitments_cycle ON commitments (cycle, code);

CREATE TABLE milestones (
    id                TEXT PRIMARY KEY,
    commitment        TEXT NOT NULL REFERENCES commitments (code),
    code              TEXT NOT NULL,
    code_key          TEXT NOT NULL,
    title             TEXT NOT NULL,
    verifiable_result TEXT NOT NULL DEFAULT '',
    planned_start     DATE,
    planned_end       DATE,
    actual_start      DATE,
    actual_end        DATE,
    target_count      INTEGER,
    target_unit       TEXT NOT NULL DEFAULT '',
    rule              TEXT NOT NULL,
    progress          INTEGER NOT NULL,
    status            TEXT NOT NULL,
    completion        TEXT NOT NULL,
    search            TEXT NOT NULL DEFAULT '',
    version           INTEGER NOT NULL,
    created_at        {{timestamp}} NOT NULL,
    updated_at        {{timestamp}} NOT NULL
);
CREATE UNIQUE INDEX milestones_code ON milestones (commitment, code);
CREATE INDEX milestones_order ON milestones (commitment, code_key, id);
CREATE INDEX milestones_planned_end ON milestones (planned_end, id);

CREATE TABLE milestone_history (
    milestone_id TEXT NOT NULL,
    version      INTEGER NOT NULL,
    snapshot     TEXT NOT NULL,
    deleted      BOOLEAN NOT NULL,
    recorded_at  {{timestamp}} NOT NULL,
    PRIMARY KEY (milestone_id, version)
);
CREATE INDEX milestone_history_recorded_at ON milestone_history (recorded_at);

CREATE TABLE milestone_updates (
    id           TEXT PRIMARY KEY,
    milestone_id TEXT NOT NULL,
    date         DATE NOT NULL,
    note         TEXT NOT NULL,
    evidence_url TEXT NOT NULL DEFAULT '',
    author       TEXT NOT NULL,
    recorded_at  {{timestamp}} NOT NULL
);
CREATE INDEX milestone_updates_milestone ON milestone_updates (milestone_id, date, id);
