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

-- A reply in a decision's discussion names the message it answers: one
-- level of threading (a reply to a reply answers the same message). A
-- reply whose message goes (its writer erased) stays, unthreaded: the
-- erasure clears parent_id (no foreign key, whose column SQLite could not
-- drop again).
ALTER TABLE decision_comments ADD COLUMN parent_id TEXT;
CREATE INDEX decision_comments_parent ON decision_comments (parent_id);

-- +goose Down
DROP INDEX decision_comments_parent;
ALTER TABLE decision_comments DROP COLUMN parent_id;
ALTER TABLE participation_links DROP COLUMN payload;
ALTER TABLE participations DROP COLUMN payload;
