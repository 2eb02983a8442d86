-- +goose Up

-- Letter campaigns (OSDI advocacy_campaigns, owned by letter): a
-- campaign's letter to its targets, the subject and body every writer
-- starts from, how it reaches them (email from Repertoire, or post and web
-- forms the writer uses), and whether targets get a daily digest.
CREATE TABLE letter_campaigns (
    id            TEXT PRIMARY KEY,
    campaign_id   TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    slug          TEXT NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    by_country    BOOLEAN NOT NULL DEFAULT FALSE, -- each writer writes to the targets of their country
    delivery      TEXT NOT NULL DEFAULT 'email',  -- email | post
    digest        BOOLEAN NOT NULL DEFAULT FALSE, -- one mail a day per target
    origin_system TEXT NOT NULL DEFAULT '',
    created_by    TEXT REFERENCES people (id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    modified_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (campaign_id, slug)
);

-- Whom a letter campaign writes to (owned by letter), with the channels
-- to reach them.
CREATE TABLE letter_targets (
    id                 TEXT PRIMARY KEY,
    letter_campaign_id TEXT NOT NULL REFERENCES letter_campaigns (id) ON DELETE CASCADE,
    position           INTEGER NOT NULL,
    name               TEXT NOT NULL,
    title              TEXT NOT NULL DEFAULT '',
    email              TEXT NOT NULL DEFAULT '',
    country            TEXT NOT NULL DEFAULT '',
    postal_address     TEXT NOT NULL DEFAULT '',
    web_form           TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX letter_targets_campaign ON letter_targets (letter_campaign_id, position);

-- One person's letter (owned by letter), kept against their participation
-- (kind 'outreach'): sent to its targets only once confirmed.
CREATE TABLE outreaches (
    participation_id   TEXT PRIMARY KEY REFERENCES participations (id) ON DELETE CASCADE,
    letter_campaign_id TEXT NOT NULL REFERENCES letter_campaigns (id) ON DELETE CASCADE,
    subject            TEXT NOT NULL,
    message            TEXT NOT NULL,
    reply_ok           BOOLEAN NOT NULL DEFAULT FALSE, -- the target may reply to the writer
    post_token_hash    TEXT,                           -- the printable page's link (post delivery)
    created_at         TIMESTAMPTZ NOT NULL,
    modified_at        TIMESTAMPTZ NOT NULL
);

-- Each target of a letter (owned by letter): waiting (unconfirmed) |
-- mailed | digest (in the next daily digest) | to_send (by post or web
-- form) | sent (the writer said so).
CREATE TABLE outreach_targets (
    participation_id   TEXT NOT NULL REFERENCES outreaches (participation_id) ON DELETE CASCADE,
    target_id          TEXT NOT NULL REFERENCES letter_targets (id) ON DELETE CASCADE,
    letter_campaign_id TEXT NOT NULL,
    state              TEXT NOT NULL DEFAULT 'waiting',
    confirmed_at       TIMESTAMPTZ,
    sent_at            TIMESTAMPTZ,
    PRIMARY KEY (participation_id, target_id)
);
CREATE INDEX outreach_targets_target ON outreach_targets (target_id, state);
CREATE INDEX outreach_targets_campaign ON outreach_targets (letter_campaign_id, state);

-- A target's answer to a letter campaign (owned by letter), and the
-- demand status it moved, if any.
CREATE TABLE target_answers (
    id                 TEXT PRIMARY KEY,
    letter_campaign_id TEXT NOT NULL REFERENCES letter_campaigns (id) ON DELETE CASCADE,
    target_id          TEXT NOT NULL REFERENCES letter_targets (id) ON DELETE CASCADE,
    answered_on        TIMESTAMPTZ NOT NULL,
    body               TEXT NOT NULL,
    demand_id          TEXT NOT NULL DEFAULT '',
    demand_status      TEXT NOT NULL DEFAULT '',
    recorded_by        TEXT REFERENCES people (id) ON DELETE SET NULL,
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX target_answers_campaign ON target_answers (letter_campaign_id, answered_on);

-- +goose Down
DROP TABLE target_answers;
DROP TABLE outreach_targets;
DROP TABLE outreaches;
DROP TABLE letter_targets;
DROP TABLE letter_campaigns;
