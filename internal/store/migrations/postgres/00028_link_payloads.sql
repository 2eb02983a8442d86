-- +goose Up

-- A tactic's own fields of a submission (a letter's subject, text and
-- reply consent; an event registration's answers; an enrolment's
-- eligibility answers and mandate), serialized by the tactic, kept with
-- the link mailed for that submission as the core keeps its choices: the
-- participation's first link in participations, each later one in
-- participation_links. Confirming a link hands that link's payload to the
-- tactic, whose tables receive only what was confirmed.
ALTER TABLE participations ADD COLUMN payload TEXT NOT NULL DEFAULT '';
ALTER TABLE participation_links ADD COLUMN payload TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE participation_links DROP COLUMN payload;
ALTER TABLE participations DROP COLUMN payload;
