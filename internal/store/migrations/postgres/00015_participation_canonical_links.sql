-- +goose Up

-- One inbox, one participation per action: participations are unique on
-- the canonical form of their address (account.CanonicalEmail) too, so
-- J.Doe+x@googlemail.com cannot sign what jdoe@gmail.com signed.
ALTER TABLE participations ADD COLUMN email_canonical TEXT;

-- Existing rows get the form SQL can compute: lower case, and Gmail's and
-- Proton's documented rules (NFKC and IDNA need Go; addresses were ASCII
-- in practice). Rows that would share a form with another row of their
-- action keep their lowered address instead, which stays unique: they were
-- signed before this rule, and stand.
CREATE TEMP TABLE participation_canon AS
SELECT id, action_id, loc || '@' || dom AS lowered,
    CASE WHEN dom IN ('gmail.com', 'googlemail.com') THEN replace(CASE WHEN strpos(loc, '+') > 1 THEN substr(loc, 1, strpos(loc, '+') - 1) ELSE loc END, '.', '') || '@gmail.com'
         WHEN dom IN ('proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me') THEN CASE WHEN strpos(loc, '+') > 1 THEN substr(loc, 1, strpos(loc, '+') - 1) ELSE loc END || '@' || dom
         ELSE loc || '@' || dom END AS canonical
FROM (SELECT p.id, p.action_id, lower(split_part(pe.email, '@', 1)) AS loc, rtrim(lower(split_part(pe.email, '@', 2)), '.') AS dom
      FROM participations p JOIN people pe ON pe.id = p.person_id) addresses;
UPDATE participations SET email_canonical = (
    SELECT CASE WHEN EXISTS (SELECT 1 FROM participation_canon d WHERE d.action_id = c.action_id
                             AND d.canonical = c.canonical AND d.id <> c.id)
                THEN c.lowered ELSE c.canonical END
    FROM participation_canon c WHERE c.id = participations.id);
DROP TABLE participation_canon;
CREATE UNIQUE INDEX participations_action_canonical ON participations (action_id, email_canonical);

-- The review queue: flagged participations, and those confirmed from their
-- mail while flagged, which count until an organizer rejects them.
CREATE INDEX participations_review ON participations (action_id, created_at) WHERE flag_reason <> '';

-- Every link mailed for a participation after its first, with the choices
-- it confirms (a resubmission must not change what an earlier link
-- confirms). The first link stays in participations.token_hash, its
-- choices the participation's own, until a second is mailed: then both
-- live here. person_id bounds the mails an address gets in an hour.
CREATE TABLE participation_links (
    id                TEXT PRIMARY KEY,
    participation_id  TEXT NOT NULL REFERENCES participations (id) ON DELETE CASCADE,
    person_id         TEXT NOT NULL,
    token_hash        TEXT NOT NULL,                   -- SHA-256 of the link's secret
    comment           TEXT NOT NULL DEFAULT '',
    public_name       BOOLEAN NOT NULL DEFAULT FALSE,
    contact_ok        BOOLEAN NOT NULL DEFAULT FALSE,
    share_with_target BOOLEAN NOT NULL DEFAULT FALSE,
    given_name        TEXT NOT NULL DEFAULT '',
    family_name       TEXT NOT NULL DEFAULT '',
    locality          TEXT NOT NULL DEFAULT '',
    country           TEXT NOT NULL DEFAULT '',
    lang              TEXT NOT NULL DEFAULT 'en',
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX participation_links_participation ON participation_links (participation_id);
CREATE INDEX participation_links_person ON participation_links (person_id, created_at);

-- +goose Down
DROP TABLE participation_links;
DROP INDEX participations_review;
DROP INDEX participations_action_canonical;
ALTER TABLE participations DROP COLUMN email_canonical;
