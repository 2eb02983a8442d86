-- +goose Up

-- The data gateway (owned by gateway). A consumer is a research team, a
-- partner or a platform a community's organizers register, with its
-- stated purpose, licence and contact; pseudonym_key keys the HMAC that
-- replaces person ids in what it receives at the pseudonymized level.
CREATE TABLE gateway_consumers (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    licence       TEXT NOT NULL,
    contact       TEXT NOT NULL,
    pseudonym_key TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    modified_at   TIMESTAMP NOT NULL
);
CREATE INDEX gateway_consumers_community ON gateway_consumers (community_id, created_at);

-- A consumer's keys ("<id>.<secret>", shown once): the secret's SHA-256
-- only, and when it was revoked.
CREATE TABLE gateway_keys (
    id          TEXT PRIMARY KEY,
    consumer_id TEXT NOT NULL REFERENCES gateway_consumers (id) ON DELETE CASCADE,
    name        TEXT NOT NULL DEFAULT '',
    secret_hash TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
CREATE INDEX gateway_keys_consumer ON gateway_keys (consumer_id);

-- What a consumer may receive: categories (comma-separated), level (item,
-- pseudonymized, aggregate with min_group), limits, purpose, window. It
-- takes effect only once the decision that adopts it passed (adopted_at).
CREATE TABLE gateway_policies (
    id             TEXT PRIMARY KEY,
    community_id   TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    consumer_id    TEXT NOT NULL REFERENCES gateway_consumers (id) ON DELETE CASCADE,
    categories     TEXT NOT NULL,
    level          TEXT NOT NULL,
    min_group      INTEGER NOT NULL DEFAULT 0,
    rate_per_min   INTEGER NOT NULL,
    items_per_day  INTEGER NOT NULL,
    purpose        TEXT NOT NULL,
    starts_at      TIMESTAMP NOT NULL,
    ends_at        TIMESTAMP NOT NULL,
    decision_id    TEXT,
    adopted_at     TIMESTAMP,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX gateway_policies_consumer ON gateway_policies (consumer_id, created_at);

-- A data strike: the window the gateway denies the striking members' data
-- for (scope members: the community's; joined: those in gateway_strikers),
-- once the decision that calls it passed (called_at).
CREATE TABLE gateway_strikes (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    scope        TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    starts_at    TIMESTAMP NOT NULL,
    ends_at      TIMESTAMP NOT NULL,
    decision_id  TEXT,
    called_at    TIMESTAMP,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX gateway_strikes_community ON gateway_strikes (community_id, ends_at);

-- The members who joined a strike of scope "joined".
CREATE TABLE gateway_strikers (
    strike_id TEXT NOT NULL REFERENCES gateway_strikes (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (strike_id, person_id)
);
CREATE INDEX gateway_strikers_person ON gateway_strikers (person_id);

-- One row per community with a policy: its strike version, raised by each
-- strike called or joined. Every allowed request's transaction reads it (under
-- the community's shared advisory lock on PostgreSQL), so a strike's commit and an allowed access never cross.
CREATE TABLE gateway_state (
    community_id TEXT PRIMARY KEY REFERENCES communities (id) ON DELETE CASCADE,
    version      BIGINT NOT NULL DEFAULT 0
);

-- Every request a consumer made, decided: allowed, or denied with its
-- reason; what it asked and how many items and people it served.
CREATE TABLE gateway_requests (
    id           TEXT PRIMARY KEY,
    consumer_id  TEXT NOT NULL REFERENCES gateway_consumers (id) ON DELETE CASCADE,
    policy_id    TEXT,
    endpoint     TEXT NOT NULL,
    category     TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    items        INTEGER NOT NULL DEFAULT 0,
    members_read INTEGER NOT NULL DEFAULT 0,
    at           TIMESTAMP NOT NULL
);
CREATE INDEX gateway_requests_consumer ON gateway_requests (consumer_id, at);

-- Each access to a member's data: which request, consumer and policy,
-- which category and items, when. Erased with the member.
CREATE TABLE gateway_accesses (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES gateway_requests (id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    consumer_id TEXT NOT NULL,
    policy_id   TEXT NOT NULL,
    category    TEXT NOT NULL,
    item_ids    TEXT NOT NULL,
    items       INTEGER NOT NULL,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX gateway_accesses_person ON gateway_accesses (person_id, at);

-- Items served per policy and day, for the volume limit.
CREATE TABLE gateway_usage (
    policy_id TEXT NOT NULL REFERENCES gateway_policies (id) ON DELETE CASCADE,
    day       TEXT NOT NULL,
    items     INTEGER NOT NULL,
    PRIMARY KEY (policy_id, day)
);

-- The policy or strike a decision of kind data_policy or data_strike
-- adopts or calls (owned by decision).
ALTER TABLE decisions ADD COLUMN policy_id TEXT REFERENCES gateway_policies (id) ON DELETE SET NULL;
ALTER TABLE decisions ADD COLUMN strike_id TEXT REFERENCES gateway_strikes (id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE decisions DROP COLUMN strike_id;
ALTER TABLE decisions DROP COLUMN policy_id;
DROP TABLE gateway_usage;
DROP TABLE gateway_accesses;
DROP TABLE gateway_requests;
DROP TABLE gateway_state;
DROP TABLE gateway_strikers;
DROP TABLE gateway_strikes;
DROP TABLE gateway_policies;
DROP TABLE gateway_keys;
DROP TABLE gateway_consumers;
