-- +goose Up

-- Every participation (signature, commitment, …) of a person in an action
-- (a petition, a pledge, …). The same person twice in one action is one
-- participation. action_id has no foreign key: it names rows of several
-- tables; deleting an action deletes its participations in the same
-- transaction.
CREATE TABLE participations (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,                   -- signature | commitment | …
    action_id         TEXT NOT NULL,
    person_id         TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    status            TEXT NOT NULL,                   -- pending | confirmed | withdrawn | flagged | rejected
    origin_system     TEXT NOT NULL DEFAULT '',        -- '' = confirmed online by mail; else the importing system
    comment           TEXT NOT NULL DEFAULT '',
    public_name       BOOLEAN NOT NULL DEFAULT FALSE,
    contact_ok        BOOLEAN NOT NULL DEFAULT FALSE,
    share_with_target BOOLEAN NOT NULL DEFAULT FALSE,
    given_name        TEXT NOT NULL DEFAULT '',        -- as given when participating
    family_name       TEXT NOT NULL DEFAULT '',
    locality          TEXT NOT NULL DEFAULT '',
    country           TEXT NOT NULL DEFAULT '',
    lang              TEXT NOT NULL DEFAULT 'en',
    ip                TEXT,                            -- for the abuse checks only; NULL after the purge
    email_domain      TEXT NOT NULL DEFAULT '',
    flag_reason       TEXT NOT NULL DEFAULT '',
    checkin           TEXT NOT NULL DEFAULT '',        -- pledges: '' | held | broke
    token_hash        TEXT UNIQUE,                     -- SHA-256 of the mailed confirm/withdraw token
    created_at        TIMESTAMPTZ NOT NULL,
    confirmed_at      TIMESTAMPTZ,
    withdrawn_at      TIMESTAMPTZ,
    modified_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (action_id, person_id)
);
CREATE INDEX participations_person ON participations (person_id);
CREATE INDEX participations_action_status ON participations (action_id, status, confirmed_at);
CREATE INDEX participations_ip ON participations (created_at) WHERE ip IS NOT NULL;

-- Counts per action, maintained in the transaction of every change: pages
-- and the API read these, never COUNT(*).
CREATE TABLE action_counters (
    action_id   TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    confirmed   BIGINT NOT NULL DEFAULT 0, -- confirmed online
    imported    BIGINT NOT NULL DEFAULT 0, -- imported by organizers, confirmed elsewhere
    pending     BIGINT NOT NULL DEFAULT 0,
    flagged     BIGINT NOT NULL DEFAULT 0,
    withdrawn   BIGINT NOT NULL DEFAULT 0,
    modified_at TIMESTAMPTZ NOT NULL
);

-- Net counted participations per hour: the growth chart.
CREATE TABLE action_count_buckets (
    action_id TEXT NOT NULL,
    bucket    TIMESTAMPTZ NOT NULL,
    confirmed BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (action_id, bucket)
);

CREATE TABLE petitions (
    id            TEXT PRIMARY KEY,
    campaign_id   TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    slug          TEXT NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    petition_text TEXT NOT NULL DEFAULT '',
    goal          BIGINT NOT NULL DEFAULT 0,  -- 0 = no goal
    status        TEXT NOT NULL DEFAULT 'open', -- open | closed
    origin_system TEXT NOT NULL DEFAULT 'repertoire',
    created_by    TEXT REFERENCES people (id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    modified_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (campaign_id, slug)
);
CREATE INDEX petitions_modified ON petitions (modified_at);

CREATE TABLE petition_targets (
    petition_id TEXT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (petition_id, position)
);

CREATE TABLE petition_demands (
    petition_id TEXT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    demand_id   TEXT NOT NULL REFERENCES demands (id) ON DELETE CASCADE,
    PRIMARY KEY (petition_id, demand_id)
);

CREATE TABLE petition_deliveries (
    id           TEXT PRIMARY KEY,
    petition_id  TEXT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    delivered_at TIMESTAMPTZ NOT NULL,
    count        BIGINT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    answer       TEXT NOT NULL DEFAULT '',
    answered_at  TIMESTAMPTZ,
    delivered_by TEXT REFERENCES people (id) ON DELETE SET NULL
);
CREATE INDEX petition_deliveries_petition ON petition_deliveries (petition_id, delivered_at);

-- +goose Down
DROP TABLE petition_deliveries;
DROP TABLE petition_demands;
DROP TABLE petition_targets;
DROP TABLE petitions;
DROP TABLE action_count_buckets;
DROP TABLE action_counters;
DROP TABLE participations;
