-- Meetings, their reports, registrations and conference submissions, and
-- publications (meeting reports are read from meeting_reports, never copied).
CREATE TABLE meetings (
    id                  TEXT PRIMARY KEY,
    sequence            INTEGER,
    title               TEXT NOT NULL,
    topic               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    tags                TEXT NOT NULL DEFAULT '[]',
    format              TEXT NOT NULL,
    details             TEXT,
    case_owner_id       TEXT REFERENCES organisations (id),
    starts_at           {{timestamp}} NOT NULL,
    ends_at             {{timestamp}} NOT NULL,
    time_zone           TEXT NOT NULL,
    venue_name          TEXT,
    venue_address       TEXT NOT NULL DEFAULT '',
    venue_city          TEXT NOT NULL DEFAULT '',
    venue_host_id       TEXT REFERENCES organisations (id),
    online_url          TEXT NOT NULL DEFAULT '',
    guest_chair_id      TEXT REFERENCES organisations (id),
    capacity            INTEGER NOT NULL DEFAULT 0,
    status              TEXT NOT NULL,
    cancellation_reason TEXT NOT NULL DEFAULT '',
    example             BOOLEAN NOT NULL DEFAULT FALSE,
    search              TEXT NOT NULL DEFAULT '',
    version             INTEGER NOT NULL,
    created_at          {{timestamp}} NOT NULL,
    updated_at          {{timestamp}} NOT NULL
);
CREATE INDEX meetings_starts_at ON meetings (starts_at, id);
CREATE INDEX meetings_guest_chair ON meetings (guest_chair_id);
CREATE INDEX meetings_venue_host ON meetings (venue_host_id);

CREATE TABLE meeting_reports (
    meeting_id     TEXT PRIMARY KEY REFERENCES meetings (id),
    publication_id TEXT NOT NULL UNIQUE,
    url            TEXT NOT NULL,
    published_on   DATE NOT NULL,
    summary        TEXT NOT NULL DEFAULT '',
    language       TEXT NOT NULL,
    licence        TEXT NOT NULL DEFAULT '',
    search         TEXT NOT NULL DEFAULT '',
    created_at     {{timestamp}} NOT NULL,
    updated_at     {{timestamp}} NOT NULL
);

CREATE TABLE registrations (
    id            TEXT PRIMARY KEY,
    meeting_id    TEXT NOT NULL REFERENCES meetings (id),
    person_id     TEXT NOT NULL REFERENCES people (id),
    status        TEXT NOT NULL,
    attended      BOOLEAN,
    registered_at {{timestamp}} NOT NULL,
    registered_by TEXT NOT NULL
);
CREATE INDEX registrations_meeting ON registrations (meeting_id, registered_at, id);
CREATE INDEX registrations_person ON registrations (person_id);
CREATE UNIQUE INDEX registrations_one_per_person ON registrations (meeting_id, person_id) WHERE status <> 'cancelled';

CREATE TABLE submissions (
    id              TEXT PRIMARY KEY,
    meeting_id      TEXT NOT NULL REFERENCES meetings (id),
    title           TEXT NOT NULL,
    abstract        TEXT NOT NULL,
    authors         TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    status          TEXT NOT NULL,
    submitted_by    TEXT NOT NULL,
    submitted_at    {{timestamp}} NOT NULL,
    decided_at      {{timestamp}}
);
CREATE INDEX submissions_meeting ON submissions (meeting_id, submitted_at, id);

CREATE TABLE publications (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    url          TEXT NOT NULL,
    published_on DATE NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL,
    licence      TEXT NOT NULL DEFAULT '',
    topics       TEXT NOT NULL DEFAULT '[]',
    example      BOOLEAN NOT NULL DEFAULT FALSE,
    search       TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL,
    created_at   {{timestamp}} NOT NULL,
    updated_at   {{timestamp}} NOT NULL
);
CREATE INDEX publications_published_on ON publications (published_on, id);

CREATE TABLE publication_meetings (
    publication_id TEXT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    meeting_id     TEXT NOT NULL REFERENCES meetings (id),
    PRIMARY KEY (publication_id, meeting_id)
);
CREATE INDEX publication_meetings_meeting ON publication_meetings (meeting_id);
