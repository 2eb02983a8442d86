-- +goose Up

-- The user agent's coarse family (firefox, chrome, safari, edge, curl,
-- python, go, bot, other; '' unknown) of a participation, kept beside its
-- IP for the integrity checks, and purged with it.
ALTER TABLE participations ADD COLUMN ua_family TEXT NOT NULL DEFAULT '';

-- Groups of participations the integrity engine found acting together
-- (internal/integrity), one row per community the group's targets are in:
-- kind, score, reasons (message ids, space-separated), the time windows
-- per target (JSON), and what organizers decided (open, invalidated,
-- dismissed).
CREATE TABLE integrity_groups (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    score         REAL NOT NULL,
    reasons       TEXT NOT NULL DEFAULT '',
    windows       TEXT NOT NULL DEFAULT '[]',
    persons       INTEGER NOT NULL DEFAULT 0, -- how many people its participations are of
    members       INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'open',
    invalidated   INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    modified_at   TIMESTAMP NOT NULL,
    decided_at    TIMESTAMP
);
CREATE INDEX integrity_groups_queue ON integrity_groups (community_id, status, score);

-- A group's participations, each in one group at most: a later run that
-- finds it again adds to its group or leaves it (dismissed).
CREATE TABLE integrity_members (
    participation_id TEXT PRIMARY KEY REFERENCES participations (id) ON DELETE CASCADE,
    group_id         TEXT NOT NULL REFERENCES integrity_groups (id) ON DELETE CASCADE,
    person_id        TEXT NOT NULL,
    action_id        TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX integrity_members_group ON integrity_members (group_id, action_id);
CREATE INDEX integrity_members_person ON integrity_members (person_id);

-- Per action, the participations set aside by the integrity review: held
-- (in an open group) and invalidated; the public figure beside a count.
CREATE TABLE integrity_counts (
    action_id    TEXT PRIMARY KEY,
    held         INTEGER NOT NULL DEFAULT 0,
    invalidated  INTEGER NOT NULL DEFAULT 0,
    modified_at  TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE integrity_counts;
DROP TABLE integrity_members;
DROP TABLE integrity_groups;
ALTER TABLE participations DROP COLUMN ua_family;
