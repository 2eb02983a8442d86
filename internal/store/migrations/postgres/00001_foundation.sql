-- +goose Up

-- A person is anyone Repertoire knows by an email address: a signer, a
-- member, an organizer. An account (password, sessions) is optional.
CREATE TABLE people (
    id                 TEXT PRIMARY KEY,
    email              TEXT NOT NULL UNIQUE,      -- normalized: trimmed, lower case
    given_name         TEXT NOT NULL DEFAULT '',
    family_name        TEXT NOT NULL DEFAULT '',
    locality           TEXT NOT NULL DEFAULT '',
    region             TEXT NOT NULL DEFAULT '',
    postal_code        TEXT NOT NULL DEFAULT '',
    country            TEXT NOT NULL DEFAULT '',
    preferred_language TEXT NOT NULL DEFAULT 'en',
    email_status       TEXT NOT NULL DEFAULT 'subscribed', -- subscribed | unsubscribed | bouncing | spam complaint
    custom_fields      TEXT NOT NULL DEFAULT '{}',         -- JSON object of strings
    origin_system      TEXT NOT NULL DEFAULT 'repertoire',
    created_at         TIMESTAMPTZ NOT NULL,
    modified_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX people_modified ON people (modified_at);

CREATE TABLE accounts (
    person_id          TEXT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    password_hash      TEXT NOT NULL DEFAULT '',   -- argon2id, PHC string; '' = no password yet
    confirmed_at       TIMESTAMPTZ,                  -- email confirmed
    is_admin           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at         TIMESTAMPTZ NOT NULL
);

-- Browser sessions; the cookie holds the token, the table its SHA-256.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE api_tokens (
    token_hash   TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_person ON api_tokens (person_id);

-- Links mailed to a person: confirm, sign in, reset, unsubscribe.
CREATE TABLE mail_tokens (
    token_hash   TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    purpose      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ
);
CREATE INDEX mail_tokens_person ON mail_tokens (person_id, purpose);

CREATE TABLE communities (
    id           TEXT PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL DEFAULT 'en',
    join_policy  TEXT NOT NULL DEFAULT 'open',    -- open | approval | invite
    visibility   TEXT NOT NULL DEFAULT 'public',  -- public | private
    created_by   TEXT REFERENCES people (id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    modified_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    community_id TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    role         TEXT NOT NULL DEFAULT 'member',  -- owner | organizer | member
    status       TEXT NOT NULL DEFAULT 'active',  -- active | requested
    created_at   TIMESTAMPTZ NOT NULL,
    modified_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (community_id, person_id)
);
CREATE INDEX memberships_person ON memberships (person_id);

CREATE TABLE invitations (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL DEFAULT 'member',
    created_by   TEXT REFERENCES people (id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    uses         BIGINT NOT NULL DEFAULT 0,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX invitations_community ON invitations (community_id);

CREATE TABLE campaigns (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    slug         TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    ultimatum_at TIMESTAMPTZ,
    created_by   TEXT REFERENCES people (id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    modified_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (community_id, slug)
);
CREATE INDEX campaigns_modified ON campaigns (modified_at);

-- Organizations, officials or regulators a campaign addresses.
CREATE TABLE campaign_targets (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    position     BIGINT NOT NULL,
    name         TEXT NOT NULL,
    UNIQUE (campaign_id, position)
);

CREATE TABLE demand_sections (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    position     BIGINT NOT NULL,   -- 1 = A, 2 = B, …
    title        TEXT NOT NULL,
    UNIQUE (campaign_id, position)
);

CREATE TABLE demands (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    section_id   TEXT NOT NULL REFERENCES demand_sections (id) ON DELETE CASCADE,
    position     BIGINT NOT NULL,   -- numbered within its section
    text         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open', -- open | partially_met | met | rejected | withdrawn
    created_at   TIMESTAMPTZ NOT NULL,
    modified_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (section_id, position)
);
CREATE INDEX demands_campaign ON demands (campaign_id);

-- Every status a demand has had, with its date, note and evidence.
CREATE TABLE demand_status_changes (
    id           TEXT PRIMARY KEY,
    demand_id    TEXT NOT NULL REFERENCES demands (id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    evidence_url TEXT NOT NULL DEFAULT '',
    changed_at   TIMESTAMPTZ NOT NULL,
    changed_by   TEXT REFERENCES people (id) ON DELETE SET NULL
);
CREATE INDEX demand_status_changes_demand ON demand_status_changes (demand_id, changed_at);

-- The campaign timeline.
CREATE TABLE campaign_updates (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    published_at TIMESTAMPTZ NOT NULL,
    created_by   TEXT REFERENCES people (id) ON DELETE SET NULL
);
CREATE INDEX campaign_updates_campaign ON campaign_updates (campaign_id, published_at);

-- Press articles and podcasts about the campaign.
CREATE TABLE coverage (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL DEFAULT 'article', -- article | podcast
    published_on TEXT NOT NULL,                   -- YYYY-MM-DD
    outlet       TEXT NOT NULL,
    title        TEXT NOT NULL,
    language     TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX coverage_campaign ON coverage (campaign_id, published_on);

-- Mail waiting to be delivered. A row here is a promise: the worker retries
-- with backoff until delivered or out of attempts.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    person_id       TEXT REFERENCES people (id) ON DELETE CASCADE,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    headers         TEXT NOT NULL DEFAULT '{}', -- JSON object, e.g. List-Unsubscribe
    status          TEXT NOT NULL DEFAULT 'pending', -- pending | sent | failed
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- +goose Down
DROP TABLE outbox;
DROP TABLE coverage;
DROP TABLE campaign_updates;
DROP TABLE demand_status_changes;
DROP TABLE demands;
DROP TABLE demand_sections;
DROP TABLE campaign_targets;
DROP TABLE campaigns;
DROP TABLE invitations;
DROP TABLE memberships;
DROP TABLE communities;
DROP TABLE mail_tokens;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE accounts;
DROP TABLE people;
