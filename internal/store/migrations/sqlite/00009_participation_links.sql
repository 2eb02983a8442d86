-- +goose Up

-- Mailed links now name their participation ("<id>.<secret>") and are found
-- by primary key; token_hash keeps the secret's hash and needs no index. An
-- index of random hashes cost a page write per signature in a busy ingest.
-- Links mailed before this version no longer open.
--
-- SQLite drops a UNIQUE constraint only by rebuilding the table. Dropping
-- the old table deletes its rows first, which cascades to
-- pledge_activation_mails: those rows are set aside and put back.
CREATE TABLE participations_new (
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
    token_hash        TEXT,                            -- SHA-256 of the secret of the latest mailed link
    created_at        TIMESTAMP NOT NULL,
    confirmed_at      TIMESTAMP,
    withdrawn_at      TIMESTAMP,
    modified_at       TIMESTAMP NOT NULL,
    UNIQUE (action_id, person_id)
);
INSERT INTO participations_new (id, kind, action_id, person_id, status, origin_system, comment, public_name, contact_ok,
    share_with_target, given_name, family_name, locality, country, lang, ip, email_domain, flag_reason, checkin,
    token_hash, created_at, confirmed_at, withdrawn_at, modified_at)
SELECT id, kind, action_id, person_id, status, origin_system, comment, public_name, contact_ok,
    share_with_target, given_name, family_name, locality, country, lang, ip, email_domain, flag_reason, checkin,
    NULL, created_at, confirmed_at, withdrawn_at, modified_at FROM participations;
CREATE TEMP TABLE kept_activation_mails AS SELECT * FROM pledge_activation_mails;
DROP TABLE participations;
ALTER TABLE participations_new RENAME TO participations;
INSERT INTO pledge_activation_mails SELECT * FROM kept_activation_mails;
DROP TABLE kept_activation_mails;
CREATE INDEX participations_person ON participations (person_id);
CREATE INDEX participations_action_status ON participations (action_id, status, confirmed_at);
CREATE INDEX participations_ip ON participations (created_at) WHERE ip IS NOT NULL;

-- +goose Down
UPDATE participations SET token_hash = NULL;
CREATE UNIQUE INDEX participations_token_hash ON participations (token_hash);
