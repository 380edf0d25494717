-- People (personal data), their memberships of organisations, consent
-- records, and the link from user accounts to people.
CREATE TABLE people (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    email                 TEXT UNIQUE,
    phone                 TEXT,
    position              TEXT NOT NULL DEFAULT '',
    languages             TEXT NOT NULL DEFAULT '[]',
    search                TEXT NOT NULL DEFAULT '',
    public_profile        BOOLEAN NOT NULL DEFAULT FALSE,
    consent_recorded_at   {{timestamp}},
    consent_recorded_by   TEXT NOT NULL DEFAULT '',
    erased_at             {{timestamp}},
    version               INTEGER NOT NULL,
    created_at            {{timestamp}} NOT NULL,
    updated_at            {{timestamp}} NOT NULL
);
CREATE INDEX people_name ON people (name, id);
CREATE INDEX people_created_at ON people (created_at, id);

CREATE TABLE memberships (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    role            TEXT NOT NULL,
    from_date       DATE,
    to_date         DATE,
    position        INTEGER NOT NULL
);
CREATE INDEX memberships_person ON memberships (person_id, position);
CREATE INDEX memberships_organisation ON memberships (organisation_id, person_id);

CREATE TABLE consent_records (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    public_profile BOOLEAN NOT NULL,
    recorded_at    {{timestamp}} NOT NULL,
    recorded_by    TEXT NOT NULL
);
CREATE INDEX consent_records_person ON consent_records (person_id, recorded_at);

ALTER TABLE users ADD COLUMN person_id TEXT REFERENCES people (id);
CREATE INDEX users_person ON users (person_id);
