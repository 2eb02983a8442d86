-- +goose Up

-- The targets directory (owned by target): whom a campaign addresses.
-- source 'datenanfragen' rows come from the embedded directory (or
-- `repertoire targets import`) and are keyed by their slug; rows an
-- organizer adds have source '' and belong to a community, or to nobody
-- (global) when an administrator adds them. countries is ' IE DE ' (empty:
-- every country), search_text the lower-cased names, slug and organization
-- a search matches.
CREATE TABLE targets (
    id            TEXT PRIMARY KEY,
    source        TEXT NOT NULL DEFAULT '',
    slug          TEXT NOT NULL,
    community_id  TEXT REFERENCES communities (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    other_names   TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL DEFAULT '',
    organization  TEXT NOT NULL DEFAULT '',
    countries     TEXT NOT NULL DEFAULT '',
    languages     TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    postal_address TEXT NOT NULL DEFAULT '',
    web_form      TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    website       TEXT NOT NULL DEFAULT '',
    search_text   TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    modified_at   TIMESTAMP NOT NULL,
    UNIQUE (source, slug)
);
CREATE INDEX targets_kind ON targets (kind, name);
CREATE INDEX targets_community ON targets (community_id);

-- What each import of a directory source last loaded (owned by target):
-- the content hash, so that an unchanged directory is not loaded again.
CREATE TABLE target_imports (
    source      TEXT PRIMARY KEY,
    hash        TEXT NOT NULL,
    rows_loaded INTEGER NOT NULL,
    imported_at TIMESTAMP NOT NULL
);

-- The case library (owned by cases): past collective actions against
-- platforms. tactics and sources are one per line; slug keys the seeded
-- cases so that seeding twice adds nothing.
CREATE TABLE cases (
    id           TEXT PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    community_id TEXT REFERENCES communities (id) ON DELETE SET NULL,
    platform     TEXT NOT NULL,
    year         INTEGER NOT NULL,
    title        TEXT NOT NULL,
    community    TEXT NOT NULL DEFAULT '',
    tactics      TEXT NOT NULL,
    numbers      TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL,
    won          BOOLEAN NOT NULL,
    sources      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    modified_at  TIMESTAMP NOT NULL
);

-- A campaign's public ledger of funding and paid promotion (owned by
-- ledger): amounts in the currency's minor units.
CREATE TABLE ledger_entries (
    id          TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    entry_date  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    channel     TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    purpose     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    modified_at TIMESTAMP NOT NULL
);
CREATE INDEX ledger_entries_campaign ON ledger_entries (campaign_id, entry_date);

-- +goose Down
DROP TABLE ledger_entries;
DROP TABLE cases;
DROP TABLE target_imports;
DROP TABLE targets;
