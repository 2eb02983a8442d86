-- +goose Up

-- A community's proposals put to a vote (owned by decision): draft, open
-- (electorate taken, ballots accepted) then closed (tally and outcome).
CREATE TABLE decisions (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    campaign_id   TEXT REFERENCES campaigns (id) ON DELETE SET NULL,
    pledge_id     TEXT REFERENCES pledges (id) ON DELETE SET NULL,
    threshold     TEXT NOT NULL,
    quorum        INTEGER NOT NULL DEFAULT 0,
    secret        BOOLEAN NOT NULL DEFAULT FALSE,
    status        TEXT NOT NULL DEFAULT 'draft',
    opens_at      TIMESTAMPTZ,
    closes_at     TIMESTAMPTZ NOT NULL,
    opened_at     TIMESTAMPTZ,
    closed_at     TIMESTAMPTZ,
    electorate    INTEGER NOT NULL DEFAULT 0,
    turnout       INTEGER NOT NULL DEFAULT 0,
    outcome       TEXT NOT NULL DEFAULT '',
    winner_id     TEXT,
    created_by    TEXT REFERENCES people (id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    modified_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX decisions_community ON decisions (community_id, created_at);

-- A decision's options and their counts (owned by decision). A ballot adds
-- one to its option's count and nothing else: no row per ballot, so no
-- row, order or transaction id ties a choice to the elector who made it.
CREATE TABLE decision_options (
    id           TEXT PRIMARY KEY,
    decision_id  TEXT NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    label        TEXT NOT NULL,
    role         TEXT NOT NULL DEFAULT '',
    votes        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (decision_id, position)
);

-- The electorate taken when voting opens (owned by decision): whether each
-- elector voted, the hash of their mailed link, and, for an open ballot
-- only, their choice and when.
CREATE TABLE decision_electors (
    id           TEXT PRIMARY KEY,
    decision_id  TEXT NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL,
    voted        BOOLEAN NOT NULL DEFAULT FALSE,
    option_id    TEXT REFERENCES decision_options (id) ON DELETE SET NULL,
    voted_at     TIMESTAMPTZ,
    UNIQUE (decision_id, person_id)
);
CREATE INDEX decision_electors_person ON decision_electors (person_id);

-- The discussion beside a proposal (owned by decision).
CREATE TABLE decision_comments (
    id           TEXT PRIMARY KEY,
    decision_id  TEXT NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX decision_comments_decision ON decision_comments (decision_id, created_at);
CREATE INDEX decision_comments_person ON decision_comments (person_id);

-- A campaign's demand list adopted by a vote (owned by campaign).
ALTER TABLE campaigns ADD COLUMN demands_adopted_at TIMESTAMPTZ;
ALTER TABLE campaigns ADD COLUMN demands_adopted_for INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN demands_adopted_against INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN demands_adopted_turnout INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN demands_adopted_electorate INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE campaigns DROP COLUMN demands_adopted_electorate;
ALTER TABLE campaigns DROP COLUMN demands_adopted_turnout;
ALTER TABLE campaigns DROP COLUMN demands_adopted_against;
ALTER TABLE campaigns DROP COLUMN demands_adopted_for;
ALTER TABLE campaigns DROP COLUMN demands_adopted_at;
DROP TABLE decision_comments;
DROP TABLE decision_electors;
DROP TABLE decision_options;
DROP TABLE decisions;
