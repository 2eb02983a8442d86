-- +goose Up

-- A community's tags (owned by tag): names unique per community whatever
-- their case (name_key is the lower-cased name).
CREATE TABLE tags (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL,
    origin_system TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    modified_at   TIMESTAMP NOT NULL,
    UNIQUE (community_id, name_key)
);

-- A person tagged with a tag, once (owned by tag).
CREATE TABLE taggings (
    id            TEXT PRIMARY KEY,
    tag_id        TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    person_id     TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    origin_system TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    modified_at   TIMESTAMP NOT NULL,
    UNIQUE (tag_id, person_id)
);
CREATE INDEX taggings_person ON taggings (person_id);

-- A person's phone numbers as OSDI carries them (owned by account).
CREATE TABLE phone_numbers (
    id           TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    number       TEXT NOT NULL,
    is_primary   BOOLEAN NOT NULL DEFAULT FALSE,
    number_type  TEXT NOT NULL DEFAULT '',
    extension    TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    operator     TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    sms_capable  BOOLEAN,
    do_not_call  BOOLEAN NOT NULL DEFAULT FALSE,
    status       TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    modified_at  TIMESTAMP NOT NULL,
    UNIQUE (person_id, number)
);

-- People an organizer's token added to a community's list through the
-- signup helper, without making them members (owned by account).
CREATE TABLE community_contacts (
    community_id  TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    person_id     TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    added_by      TEXT REFERENCES people (id) ON DELETE SET NULL,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (community_id, person_id)
);
CREATE INDEX community_contacts_person ON community_contacts (person_id);

-- +goose Down
DROP TABLE community_contacts;
DROP TABLE phone_numbers;
DROP TABLE taggings;
DROP TABLE tags;
